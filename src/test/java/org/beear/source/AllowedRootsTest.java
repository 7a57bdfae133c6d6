package org.beear.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.beear.app.BeearProperties;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

class AllowedRootsTest {

  private static final String ANSWER = ": not found or not allowed (see beear.sources.allowed-roots)";

  @TempDir
  Path tmp;

  private Path data;
  private final Jobs jobs = new Jobs();

  /** The jobs table, as far as the rules ask it. */
  private static final class Jobs implements JobDirectoryOwners {
    record Row(UUID id, String tenant, String outputUri, boolean active) {}

    final List<Row> rows = new ArrayList<>();

    UUID add(String tenant, String outputUri, boolean active) {
      UUID id = UUID.randomUUID();
      rows.add(new Row(id, tenant, outputUri, active));
      return id;
    }

    @Override
    public Optional<String> tenantOf(UUID jobId) {
      return rows.stream().filter(r -> r.id().equals(jobId)).map(Row::tenant).findFirst();
    }

    @Override
    public List<Owner> withOutputIn(Collection<String> outputUris) {
      return rows.stream().filter(r -> outputUris.contains(r.outputUri()))
          .map(r -> new Owner(r.id(), r.tenant())).toList();
    }

    @Override
    public List<String> activeOutputsStartingWith(String prefix) {
      return rows.stream().filter(r -> r.active() && r.outputUri() != null && r.outputUri().startsWith(prefix))
          .map(Row::outputUri).toList();
    }
  }

  @BeforeEach
  void dataDirectory() throws Exception {
    data = Files.createDirectories(tmp.resolve("data"));
  }

  private AllowedRoots roots(Path... roots) {
    return new AllowedRoots(new BeearProperties(data,
        new BeearProperties.Worker(true, 1, Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(15),
            Duration.ofSeconds(2), Duration.ofSeconds(1), 3, "auto", null, null),
        new BeearProperties.Sources(List.of(roots), DataSize.ofGigabytes(1), Duration.ofMinutes(1),
            Duration.ofSeconds(10), Duration.ofSeconds(60), 5, new BeearProperties.Egress(List.of()), null, 10_000),
        new BeearProperties.Metrics(20, Duration.ofSeconds(5)),
        new BeearProperties.Events(Duration.ofMillis(500), Duration.ofHours(1), Duration.ofSeconds(15)),
        new BeearProperties.Security(null),
        new BeearProperties.Storage(DataSize.ofGigabytes(1), DataSize.ofGigabytes(100))), jobs);
  }

  private static String refusal(AllowedRoots roots, Path path, String tenant) {
    URI uri = path.toUri();
    return catchMessage(() -> roots.readable(uri, tenant)).replace(uri.toString(), "<uri>");
  }

  private static String catchMessage(Runnable r) {
    try {
      r.run();
    } catch (FileUriException e) {
      return e.getMessage();
    }
    throw new AssertionError("not refused");
  }

  @Test
  void pathsInsideTheRootResolveAndEscapesAreRefused() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Path model = Files.createDirectories(root.resolve("models/a"));
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.createSymbolicLink(root.resolve("link"), outside);
    Files.createSymbolicLink(root.resolve("inner-link"), model);
    AllowedRoots roots = roots(root);

    assertThat(roots.readable(model.toUri(), "t")).isEqualTo(model.toRealPath());
    assertThat(roots.readable(root.resolve("inner-link").toUri(), "t")).isEqualTo(model.toRealPath());
    assertThatThrownBy(() -> roots.readable(root.resolve("link").toUri(), "t"))
        .hasMessage(root.resolve("link").toUri() + ANSWER);
    assertThatThrownBy(() -> roots.readable(URI.create(root.toUri() + "models/../../outside"), "t"))
        .hasMessageContaining("'..'");
    assertThatThrownBy(() -> roots.readable(outside.toUri(), "t")).hasMessage(outside.toUri() + ANSWER);
    assertThatThrownBy(() -> roots.readable(URI.create("file://somehost/models"), "t")).hasMessageContaining("host");

    assertThat(roots.writable(root.resolve("out/new/job").toUri(), "t", UUID.randomUUID()))
        .isEqualTo(root.toRealPath().resolve("out/new/job"));
    assertThatThrownBy(() -> roots.writable(root.resolve("link/new").toUri(), "t", UUID.randomUUID()))
        .hasMessageContaining("not allowed as an output location");
    assertThatThrownBy(() -> roots.writable(tmp.resolve("elsewhere").toUri(), "t", UUID.randomUUID()))
        .hasMessageContaining("not allowed as an output location");
  }

  @Test
  void missingAndNotAllowedGetOneAnswer() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Path outside = Files.createDirectories(tmp.resolve("outside/model"));
    Path othersOutput = Files.createDirectories(root.resolve("out/alice"));
    jobs.add("alice", AllowedRoots.uriOf(othersOutput.toRealPath()), false);
    AllowedRoots roots = roots(root);

    String missing = refusal(roots, root.resolve("no-such-model"), "bob");
    assertThat(missing).isEqualTo("<uri>" + ANSWER);
    assertThat(refusal(roots, tmp.resolve("outside/no-such-model"), "bob")).isEqualTo(missing);
    assertThat(refusal(roots, outside, "bob")).isEqualTo(missing);
    assertThat(refusal(roots, othersOutput, "bob")).as("another tenant's output").isEqualTo(missing);
    assertThat(refusal(roots, othersOutput.resolve("config.json"), "bob")).isEqualTo(missing);
    assertThat(roots.readable(othersOutput.toUri(), "alice")).as("the owner's").isEqualTo(othersOutput.toRealPath());
  }

  @Test
  void theDataDirectoryYieldsOnlyTheModelsFolderAndTheTenantsOwnOutputsEvenUnderARoot() throws Exception {
    AllowedRoots roots = roots(tmp); // a root above the data directory
    UUID alicesJob = jobs.add("alice", null, false);
    Path alicesOutput = Files.createDirectories(data.resolve("outputs").resolve(alicesJob.toString()));
    Files.writeString(alicesOutput.resolve("config.json"), "{}");
    Path unknownJob = Files.createDirectories(data.resolve("outputs").resolve(UUID.randomUUID().toString()));
    Path notAJob = Files.createDirectories(data.resolve("outputs").resolve("mine"));
    Path imported = Files.createDirectories(data.resolve("models/suspect"));
    List<Path> serviceState = new ArrayList<>();
    for (String file : List.of("admin.key", "secrets.key", "postgres.lock", "postgres/PG_VERSION",
        "postgres/base/1/1259", "cache/http/abc/config.json", "work/job/checkpoint.json")) {
      Path path = data.resolve(file);
      Files.createDirectories(path.getParent());
      serviceState.add(Files.writeString(path, "state"));
    }
    String missing = refusal(roots, data.resolve("models/none"), "alice");

    for (Path state : serviceState) {
      assertThat(refusal(roots, state, "alice")).as(state.toString()).isEqualTo(missing);
    }
    for (Path other : List.of(data, data.resolve("outputs"), unknownJob, notAJob, data.resolve("postgres"))) {
      assertThat(refusal(roots, other, "alice")).as(other.toString()).isEqualTo(missing);
    }
    assertThat(refusal(roots, alicesOutput, "bob")).isEqualTo(missing);
    assertThat(refusal(roots, alicesOutput.resolve("config.json"), "bob")).isEqualTo(missing);
    assertThat(roots.readable(alicesOutput.toUri(), "alice")).isEqualTo(alicesOutput.toRealPath());
    assertThat(roots.readable(alicesOutput.resolve("config.json").toUri(), "alice")).exists();
    assertThat(roots.readable(imported.toUri(), "bob")).isEqualTo(imported.toRealPath());

    Path link = Files.createSymbolicLink(tmp.resolve("to-the-key"), data.resolve("admin.key"));
    assertThat(refusal(roots, link, "alice")).as("a link to a key file").isEqualTo(missing);
  }

  @Test
  void byDefaultOnlyTheDataDirectorysModelsFolderIsARoot() throws Exception {
    AllowedRoots roots = roots();
    Path imported = Files.createDirectories(data.resolve("models/suspect"));
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));

    assertThat(roots.roots()).containsExactly(data.resolve("models").toRealPath());
    assertThat(roots.readable(imported.toUri(), "t")).isEqualTo(imported.toRealPath());
    assertThat(refusal(roots, elsewhere, "t")).isEqualTo("<uri>" + ANSWER);
    assertThat(refusal(roots, Path.of("").toAbsolutePath(), "t")).as("the working directory")
        .isEqualTo("<uri>" + ANSWER);
    assertThatThrownBy(() -> roots.writable(data.resolve("models/out").toUri(), "t", UUID.randomUUID()))
        .as("outputs never go into the data directory").hasMessageContaining("not allowed as an output location");
  }

  @Test
  void outputsStayOutOfTheDataDirectoryAndOtherJobsOutputs() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    AllowedRoots roots = roots(tmp);
    UUID alicesJob = jobs.add("alice", null, false);
    Path alicesDefault = Files.createDirectories(data.resolve("outputs").resolve(alicesJob.toString()));
    Path alicesCustom = root.resolve("alice");
    jobs.add("alice", AllowedRoots.uriOf(alicesCustom.toAbsolutePath()), false);
    Path queued = root.resolve("later/queued");
    jobs.add("carol", AllowedRoots.uriOf(queued), true);
    UUID bobsJob = UUID.randomUUID();

    List<Path> refused = List.of(data, data.resolve("outputs"), data.resolve("outputs/new"), alicesDefault,
        alicesDefault.resolve("sub"), data.resolve("cache/x"), data.resolve("work/x"), data.resolve("models/x"),
        alicesCustom, alicesCustom.resolve("sub"), root.resolve("later"), tmp, tmp.getParent().resolve("nowhere"));
    String answer = null;
    for (Path path : refused) {
      String message = catchMessage(() -> roots.writable(path.toUri(), "bob", bobsJob))
          .replace(path.toUri().toString(), "<uri>");
      assertThat(message).as(path.toString()).isEqualTo(answer == null ? message : answer);
      answer = message;
    }
    assertThat(answer).isEqualTo("<uri>: " + AllowedRoots.NOT_ALLOWED_AS_OUTPUT);

    assertThat(roots.writable(root.resolve("bob").toUri(), "bob", bobsJob)).isEqualTo(root.resolve("bob"));
    assertThat(roots.writable(alicesCustom.toUri(), "alice", UUID.randomUUID()))
        .as("the tenant's own earlier location, re-used after that job ended").isEqualTo(alicesCustom);
    assertThatThrownBy(() -> roots.writable(alicesCustom.resolve("sub").toUri(), "alice", UUID.randomUUID()))
        .as("never inside another job's output, the tenant's own neither")
        .hasMessageContaining("not allowed as an output location");
    assertThat(roots.isDefaultOutput(alicesDefault, alicesJob)).isTrue();
    assertThat(roots.isDefaultOutput(alicesDefault, bobsJob)).isFalse();
  }
}
