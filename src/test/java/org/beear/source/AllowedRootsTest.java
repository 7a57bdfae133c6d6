package org.beear.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.beear.app.BeearProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

class AllowedRootsTest {

  @TempDir
  Path tmp;

  private AllowedRoots roots(Path root) {
    return new AllowedRoots(new BeearProperties(tmp.resolve("data"),
        new BeearProperties.Worker(true, 1, Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(15),
            Duration.ofSeconds(2), Duration.ofSeconds(1), 3, "auto", null, null),
        new BeearProperties.Sources(List.of(root), DataSize.ofGigabytes(1), Duration.ofMinutes(1),
            Duration.ofSeconds(10), Duration.ofSeconds(60), 5, new BeearProperties.Egress(List.of()), null, 10_000),
        new BeearProperties.Metrics(20, Duration.ofSeconds(5)),
        new BeearProperties.Events(Duration.ofMillis(500), Duration.ofHours(1), Duration.ofSeconds(15)),
        new BeearProperties.Security(null),
        new BeearProperties.Storage(DataSize.ofGigabytes(1), DataSize.ofGigabytes(100))));
  }

  @Test
  void pathsInsideTheRootResolveAndEscapesAreRefused() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Path model = Files.createDirectories(root.resolve("models/a"));
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.createSymbolicLink(root.resolve("link"), outside);
    Files.createSymbolicLink(root.resolve("inner-link"), model);
    AllowedRoots roots = roots(root);

    assertThat(roots.existing(model.toUri())).isEqualTo(model.toRealPath());
    assertThat(roots.existing(root.resolve("inner-link").toUri())).isEqualTo(model.toRealPath());
    assertThatThrownBy(() -> roots.existing(root.resolve("link").toUri()))
        .hasMessageContaining("outside the allowed roots");
    assertThatThrownBy(() -> roots.existing(URI.create(root.toUri() + "models/../../outside")))
        .hasMessageContaining("'..'");
    assertThatThrownBy(() -> roots.existing(outside.toUri())).hasMessageContaining("outside the allowed roots");
    assertThatThrownBy(() -> roots.existing(URI.create("file://somehost/models"))).hasMessageContaining("host");

    assertThat(roots.writable(root.resolve("out/new/job").toUri())).isEqualTo(root.toRealPath().resolve("out/new/job"));
    assertThatThrownBy(() -> roots.writable(root.resolve("link/new").toUri()))
        .hasMessageContaining("outside the allowed roots");
    assertThatThrownBy(() -> roots.writable(tmp.resolve("elsewhere").toUri()))
        .hasMessageContaining("outside the allowed roots");
  }
}
