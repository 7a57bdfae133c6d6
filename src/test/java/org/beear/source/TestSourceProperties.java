package org.beear.source;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.beear.app.BeearProperties;
import org.springframework.util.unit.DataSize;

/** Properties for source tests: short timeouts, loopback allowed unless a test says otherwise. */
final class TestSourceProperties {
  private TestSourceProperties() {}

  static BeearProperties of(Path dataDir, String downloadCap, List<String> egressAllow, DataSize maxExtracted,
      int maxEntries, DataSize minFreeSpace, DataSize cacheMaxSize) {
    return new BeearProperties(dataDir,
        new BeearProperties.Worker(true, 1, Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(15),
            Duration.ofSeconds(2), Duration.ofSeconds(1), 3, "auto", null, null),
        new BeearProperties.Sources(List.of(), DataSize.parse(downloadCap), Duration.ofMinutes(1),
            Duration.ofSeconds(5), Duration.ofSeconds(5), 5, new BeearProperties.Egress(egressAllow), maxExtracted,
            maxEntries),
        new BeearProperties.Metrics(20, Duration.ofSeconds(5)),
        new BeearProperties.Events(Duration.ofMillis(500), Duration.ofHours(1), Duration.ofSeconds(15)),
        new BeearProperties.Security(null),
        new BeearProperties.Storage(minFreeSpace, cacheMaxSize));
  }

  /** No free-space reserve (these tests must not depend on the machine's disk) and a 1 GB cache. */
  static BeearProperties of(Path dataDir, String downloadCap, List<String> egressAllow) {
    return of(dataDir, downloadCap, egressAllow, null, 10_000, DataSize.ofBytes(0), DataSize.ofGigabytes(1));
  }
}
