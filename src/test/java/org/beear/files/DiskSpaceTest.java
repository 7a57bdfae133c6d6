package org.beear.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskSpaceTest {

  @TempDir
  Path tmp;

  @Test
  void aWriteThatWouldEatIntoTheReserveIsRefusedWithWhatItNeedsAndWhatIsFree() {
    Path notYetThere = tmp.resolve("work/job/checkpoint");
    long free = DiskSpace.usableBytes(notYetThere);
    assertThat(free).as("measured on the nearest existing directory").isPositive();

    DiskSpace.require(notYetThere, 1024, "the checkpoint of epoch 2", 0);
    assertThatThrownBy(() -> DiskSpace.require(notYetThere, 1536, "the checkpoint of epoch 2", Long.MAX_VALUE))
        .isInstanceOf(InsufficientDiskSpaceException.class)
        .hasMessageStartingWith("not enough free disk space in " + notYetThere.toAbsolutePath()
            + " for the checkpoint of epoch 2: needs 1.5 KB, ")
        .hasMessageEndingWith(" free (keeping 8.0 EB in reserve)");
    assertThatThrownBy(() -> DiskSpace.require(tmp, Long.MAX_VALUE, "the cleansed model", 0))
        .isInstanceOf(InsufficientDiskSpaceException.class)
        .satisfies(e -> assertThat(((InsufficientDiskSpaceException) e).withoutDirectory())
            .startsWith("not enough free disk space for the cleansed model: needs 8.0 EB, ")
            .doesNotContain(tmp.toString()));
    assertThat(Files.exists(notYetThere)).as("a check writes nothing").isFalse();
  }

  @Test
  void theProcessWideReserveIsWhatTheEngineChecksAgainst() {
    long before = DiskSpace.setReserve(Long.MAX_VALUE);
    try {
      assertThatThrownBy(() -> DiskSpace.require(tmp, 0, "the cleansed model"))
          .isInstanceOf(InsufficientDiskSpaceException.class);
      DiskSpace.setReserve(0);
      DiskSpace.require(tmp, 0, "the cleansed model");
    } finally {
      DiskSpace.setReserve(before);
    }
    assertThatThrownBy(() -> DiskSpace.setReserve(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void sizesReadAsPeopleWriteThem() {
    assertThat(DiskSpace.format(512)).isEqualTo("512 bytes");
    assertThat(DiskSpace.format(1536)).isEqualTo("1.5 KB");
    assertThat(DiskSpace.format(300L << 20)).isEqualTo("300 MB");
    assertThat(DiskSpace.format(1L << 30)).isEqualTo("1.0 GB");
  }
}
