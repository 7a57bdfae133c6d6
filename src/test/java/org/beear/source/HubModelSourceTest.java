package org.beear.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.beear.app.BeearProperties;
import org.beear.beear.BeearCleanser;
import org.beear.llm.weights.Checkpoint;
import org.beear.llm.weights.CheckpointWriter;
import org.beear.net.ConnectionCountingListener;
import org.beear.net.LoopbackHttpServer;
import org.beear.organism.TestOrganisms;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * hf:// against a {@link FakeHub} on 127.0.0.1 serving a real tiny model (an xs organism, its weights resharded
 * into two safetensors shards plus index) beside files that must never be fetched.
 */
class HubModelSourceTest {

  private static final String WEIGHTS_1 = "model-00001-of-00002.safetensors";
  private static final String WEIGHTS_2 = "model-00002-of-00002.safetensors";
  private static final List<String> MODEL_FILES = List.of("config.json", "generation_config.json", WEIGHTS_1,
      WEIGHTS_2, "model.safetensors.index.json", "tokenizer.json", "tokenizer_config.json");

  @TempDir
  Path tmp;
  private FakeHub hub;
  private Path organism;
  private Path repoDir;

  @BeforeEach
  void publishTheOrganism() throws IOException {
    hub = new FakeHub();
    organism = TestOrganisms.xs("suffix-short");
    repoDir = tmp.resolve("repo");
    Files.createDirectories(repoDir.resolve("onnx"));
    for (String f : List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
        "README.md", "attack.json")) {
      Files.copy(organism.resolve(f), repoDir.resolve(f));
    }
    try (Checkpoint weights = Checkpoint.open(organism)) {
      CheckpointWriter.writeDerived(repoDir, weights, Set.of(), null, 1_000_000, Map.of());
    }
    assertThat(repoDir.resolve(WEIGHTS_2)).exists();
    // what a real repository also carries, and none of which may be requested
    Files.write(repoDir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2, 'c', 'o', 's', '\n'});
    Files.writeString(repoDir.resolve(".gitattributes"), "*.safetensors filter=lfs\n");
    Files.writeString(repoDir.resolve("onnx/model.safetensors"), "not the model");
  }

  @AfterEach
  void stopHub() throws IOException {
    hub.close();
  }

  private HubModelSource source(String token) {
    return source(token, List.of("127.0.0.1/32"));
  }

  private HubModelSource source(String token, List<String> egressAllow) {
    BeearProperties properties = TestSourceProperties.of(tmp.resolve("data"), "20MB", egressAllow);
    return new HubModelSource(properties, new HubProperties(hub.endpoint(), token), new ModelCache(properties));
  }

  @Test
  void fetchesTheModelFilesOfTheResolvedCommitFromTheHubAndItsCdnAndNothingElse() throws IOException {
    FakeHub.Repo repo = hub.publish("beear-test/tiny-organism", repoDir, FakeHub.Access.PUBLIC);
    try (HubModelSource source = source(FakeHub.TOKEN)) {
      FetchedModel model = source.fetch(URI.create("hf://beear-test/tiny-organism"));

      assertThat(model.revision()).isEqualTo(repo.commit());
      assertThat(list(model.directory())).containsExactlyElementsOf(MODEL_FILES);
      for (String f : MODEL_FILES) {
        assertThat(model.directory().resolve(f)).as(f).hasBinaryContent(repo.files().get(f));
      }
      // the sharded checkpoint reads back as the organism's, and the engine accepts the directory
      try (Checkpoint fetched = Checkpoint.open(model.directory()); Checkpoint original = Checkpoint.open(organism)) {
        assertThat(fetched.names()).isEqualTo(original.names());
      }
      new BeearCleanser().validateModel(model.directory());
    }
    assertThat(hub.resolved(repo.id())).containsExactlyInAnyOrderElementsOf(MODEL_FILES);
    assertThat(Stream.concat(hub.hubRequests().stream(), hub.cdnRequests().stream())
        .map(LoopbackHttpServer.Request::path))
        .noneMatch(p -> p.contains("pytorch_model") || p.contains("README") || p.contains("onnx"));
    // the token goes to the hub only; the CDN gets the two shards by their signed URLs
    assertThat(hub.hubRequests()).allMatch(r -> ("Bearer " + FakeHub.TOKEN).equals(r.headers().get("authorization")));
    assertThat(hub.cdnRequests()).hasSize(2).noneMatch(r -> r.headers().containsKey("authorization"));
  }

  @Test
  void aSecondFetchOfTheSameCommitDownloadsNothing() throws IOException {
    FakeHub.Repo repo = hub.publish("beear-test/tiny-organism", repoDir, FakeHub.Access.PUBLIC, "v1.0");
    try (HubModelSource source = source(null)) {
      Path first = source.fetch(URI.create("hf://beear-test/tiny-organism")).directory();
      int files = hub.resolved(repo.id()).size();
      int cdn = hub.cdnRequests().size();

      FetchedModel byTag = source.fetch(URI.create("hf://beear-test/tiny-organism@v1.0"));
      FetchedModel byCommit = source.fetch(URI.create("hf://beear-test/tiny-organism@" + repo.commit()));

      assertThat(byTag.directory()).isEqualTo(first);
      assertThat(byCommit.directory()).isEqualTo(first);
      assertThat(byTag.revision()).isEqualTo(repo.commit());
      assertThat(hub.resolved(repo.id())).hasSize(files);
      assertThat(hub.cdnRequests()).hasSize(cdn);
    }
  }

  @Test
  void aTransferThatBreaksOffIsResumedWithARangeRequest() throws IOException {
    FakeHub.Repo repo = hub.publish("beear-test/tiny-organism", repoDir, FakeHub.Access.PUBLIC);
    hub.dropAfter(WEIGHTS_1, 300_000); // from the CDN
    hub.dropAfter("tokenizer.json", 1_000); // from the hub itself, after its relative redirect
    try (HubModelSource source = source(null)) {
      FetchedModel model = source.fetch(URI.create("hf://beear-test/tiny-organism"));

      assertThat(model.directory().resolve(WEIGHTS_1)).hasBinaryContent(repo.files().get(WEIGHTS_1));
      assertThat(model.directory().resolve("tokenizer.json")).hasBinaryContent(repo.files().get("tokenizer.json"));
    }
    String blob = "/blobs/" + repo.sha256(WEIGHTS_1);
    assertThat(hub.cdnRequests().stream().filter(r -> r.path().startsWith(blob)).map(r -> r.headers().get("range")))
        .containsExactly(null, "bytes=300000-");
    assertThat(hub.hubRequests().stream().filter(r -> r.path().startsWith("/api/resolve-cache/"))
        .filter(r -> r.path().endsWith("/tokenizer.json")).map(r -> r.headers().get("range")))
        .containsExactly(null, "bytes=1000-");
  }

  @Test
  void aFetchThatFailedMidFileIsResumedByTheNextOneWithoutFetchingFinishedFilesAgain() throws IOException {
    FakeHub.Repo repo = hub.publish("beear-test/tiny-organism", repoDir, FakeHub.Access.PUBLIC);
    hub.dropAfter(WEIGHTS_1, 300_000);
    hub.failNext(WEIGHTS_1, 503); // the resume within the fetch fails too: the job's attempt ends
    try (HubModelSource source = source(null)) {
      assertThatThrownBy(() -> source.fetch(URI.create("hf://beear-test/tiny-organism")))
          .hasMessage("hf://beear-test/tiny-organism: " + WEIGHTS_1 + ": fetch failed: HTTP 503");

      FetchedModel model = source.fetch(URI.create("hf://beear-test/tiny-organism"));

      for (String f : MODEL_FILES) {
        assertThat(model.directory().resolve(f)).as(f).hasBinaryContent(repo.files().get(f));
      }
    }
    String blob = "/blobs/" + repo.sha256(WEIGHTS_1);
    assertThat(hub.cdnRequests().stream().filter(r -> r.path().startsWith(blob)).map(r -> r.headers().get("range")))
        .containsExactly(null, "bytes=300000-", "bytes=300000-");
    assertThat(hub.resolved(repo.id()).stream().filter("config.json"::equals)).hasSize(1);
  }

  @Test
  void aPrivateModelNeedsTheTokenAndTheMessagesNeverShowIt() throws IOException {
    hub.publish("beear-test/private", repoDir, FakeHub.Access.PRIVATE);
    try (HubModelSource anonymous = source(null)) {
      assertThatThrownBy(() -> anonymous.fetch(URI.create("hf://beear-test/private")))
          .isInstanceOf(SourceException.class)
          .hasMessage("hf://beear-test/private: 401: this model needs a token (it is private or gated, or does not"
              + " exist); set beear.sources.hub.token");
    }
    try (HubModelSource withToken = source(FakeHub.TOKEN)) {
      assertThat(list(withToken.fetch(URI.create("hf://beear-test/private")).directory()))
          .containsExactlyElementsOf(MODEL_FILES);
      assertThatThrownBy(() -> withToken.fetch(URI.create("hf://beear-test/missing")))
          .hasMessage("hf://beear-test/missing: model not found (404)")
          .hasMessageNotContaining(FakeHub.TOKEN);
    }
    assertThat(new HubProperties(hub.endpoint(), FakeHub.TOKEN).toString()).doesNotContain(FakeHub.TOKEN);
  }

  @Test
  void hubErrorsAreOneLineEach() throws IOException {
    hub.publish("beear-test/tiny-organism", repoDir, FakeHub.Access.PUBLIC);
    hub.publish("beear-test/gated", repoDir, FakeHub.Access.GATED);
    Path pickles = Files.createDirectories(tmp.resolve("pickles"));
    Files.copy(repoDir.resolve("config.json"), pickles.resolve("config.json"));
    Files.copy(repoDir.resolve("pytorch_model.bin"), pickles.resolve("pytorch_model.bin"));
    hub.publish("beear-test/pickles", pickles, FakeHub.Access.PUBLIC);
    try (HubModelSource source = source(FakeHub.TOKEN)) {
      assertThatThrownBy(() -> source.fetch(URI.create("hf://beear-test/tiny-organism@nope")))
          .hasMessage("hf://beear-test/tiny-organism: revision 'nope' not found (404)");
      assertThatThrownBy(() -> source.fetch(URI.create("hf://beear-test/gated")))
          .hasMessage("hf://beear-test/gated: gated model (403): the token's account has not been granted access;"
              + " accept the model's conditions on the hub");
      assertThatThrownBy(() -> source.fetch(URI.create("hf://beear-test/pickles")))
          .hasMessageEndingWith(" has no safetensors weights (pickle checkpoints such as pytorch_model.bin are never"
              + " fetched)");
    }
    assertThat(hub.resolved("beear-test/pickles")).isEmpty();
  }

  @Test
  void aFileThatDoesNotMatchTheHubsChecksumIsRefusedAndNotCached() throws IOException {
    hub.publish("beear-test/tiny-organism", repoDir, FakeHub.Access.PUBLIC);
    hub.tamper(WEIGHTS_2);
    try (HubModelSource source = source(null)) {
      assertThatThrownBy(() -> source.fetch(URI.create("hf://beear-test/tiny-organism")))
          .isInstanceOf(SourceException.class)
          .hasMessageStartingWith("hf://beear-test/tiny-organism: " + WEIGHTS_2
              + " does not match the SHA-256 the hub gave");
    }
    try (Stream<Path> cached = Files.list(tmp.resolve("data/cache/models"))) {
      assertThat(cached.map(p -> p.getFileName().toString())).allMatch(n -> n.endsWith(".tmp-resume"));
    }
  }

  @Test
  void theEgressPolicyAppliesToTheEndpointAndToEveryRedirect() throws IOException {
    hub.publish("beear-test/tiny-organism", repoDir, FakeHub.Access.PUBLIC);
    try (HubModelSource offTheAllowlist = source(null, List.of())) {
      assertThatThrownBy(() -> offTheAllowlist.fetch(URI.create("hf://beear-test/tiny-organism")))
          .hasMessage("hf://beear-test/tiny-organism: fetch failed: address not allowed by egress policy");
    }
    assertThat(hub.hubRequests()).isEmpty();
    hub.redirectLargeFilesTo("http://127.0.0.2:9"); // loopback, but not on the allowlist
    try (HubModelSource source = source(null)) {
      assertThatThrownBy(() -> source.fetch(URI.create("hf://beear-test/tiny-organism")))
          .hasMessageEndingWith(".safetensors: fetch failed: address not allowed by egress policy");
    }
  }

  @Test
  void anEndpointAddressTheEgressPolicyRefusesIsRefusedAtSubmissionWithoutAConnection() throws Exception {
    try (ConnectionCountingListener listener = new ConnectionCountingListener(InetAddress.getByName("127.0.0.1"))) {
      BeearProperties noLoopback = TestSourceProperties.of(tmp.resolve("data"), "20MB", List.of());
      URI model = URI.create("hf://beear-test/tiny-organism");
      try (HubModelSource byAddress = new HubModelSource(noLoopback,
          new HubProperties("http://127.0.0.1:" + listener.port(), null), new ModelCache(noLoopback))) {
        assertThatThrownBy(() -> byAddress.check(model)).isInstanceOf(SourceException.class)
            .hasMessage("the hub endpoint's address not allowed by egress policy");
      }
      BeearProperties allowed = TestSourceProperties.of(tmp.resolve("data"), "20MB", List.of("127.0.0.1/32"));
      try (HubModelSource onTheAllowlist = new HubModelSource(allowed,
          new HubProperties("http://127.0.0.1:" + listener.port(), null), new ModelCache(allowed))) {
        assertThat(onTheAllowlist.check(model)).isEmpty();
      }
      // a name is judged when it is resolved, at each connection: "hub.test" is 127.0.0.1 here
      try (HubModelSource byName = new HubModelSource(noLoopback,
          new HubProperties("http://hub.test:" + listener.port(), null), new ModelCache(noLoopback),
          host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")})) {
        assertThat(byName.check(model)).isEmpty();
        assertThatThrownBy(() -> byName.fetch(model))
            .hasMessage("hf://beear-test/tiny-organism: fetch failed: address not allowed by egress policy");
      }
      Thread.sleep(200);
      assertThat(listener.connections()).isZero();
    }
  }

  @Test
  void onlyOrgNameAndAnOptionalRevisionMakeAHubUri() {
    HubModelSource source = source(null);
    assertThat(source.check(URI.create("hf://meta-llama/Llama-2-7b-chat-hf@refs/pr/1"))).isEmpty();
    assertThat(HubRepo.parse(URI.create("hf://org/model@refs/pr/1")).revision()).isEqualTo("refs/pr/1");
    assertThat(HubRepo.parse(URI.create("hf://org/model")).revision()).isEqualTo("main");
    for (String bad : List.of("hf://org", "hf://org/", "hf://org/a/b", "hf://org:80/model", "hf://org/mo..del")) {
      assertThatThrownBy(() -> source.check(URI.create(bad))).as(bad).isInstanceOf(SourceException.class)
          .hasMessageContaining("expected hf://ORG/NAME or hf://ORG/NAME@REVISION");
    }
    assertThatThrownBy(() -> source.check(URI.create("hf://user:secret@org/model")))
        .hasMessage("hf://***@org/model: hf:// URIs take no credentials, query or fragment; the hub's token is"
            + " configured on the service (beear.sources.hub.token)");
    assertThatThrownBy(() -> source.check(URI.create("hf://org/model@")))
        .hasMessageContaining("is not a revision");
    source.close();
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
