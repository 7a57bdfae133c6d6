package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.beear.app.ServiceTestBase;
import org.beear.files.FileDigests;
import org.beear.source.FakeHub;
import org.junit.jupiter.api.Test;

/**
 * Jobs whose model comes from a hub (the tests' {@link FakeHub} on 127.0.0.1, with the service's token configured),
 * and what every job records of the files it read and wrote.
 */
class HubModelJobTest extends ServiceTestBase {

  @Test
  void anHfJobFetchesTheCommitItsRevisionNamesAndRecordsWhatItReadAndWrote() throws Exception {
    Path dir = model(uniqueName("hub"));
    Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {}}");
    Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2, 'c', 'o', 's'});
    String repoId = "beear-test/" + dir.getFileName();
    FakeHub.Repo repo = HUB.publish(repoId, dir, FakeHub.Access.PRIVATE, "v1");

    String id = submit("""
        {"model_uri": "hf://%s@v1", "options": {"max_epochs": 1, "inner_steps": 1}}""".formatted(repoId));
    JsonNode done = awaitStatus(id, "succeeded");

    assertThat(done.get("model_uri").asText()).isEqualTo("hf://" + repoId + "@v1");
    assertThat(done.get("model_revision").asText()).isEqualTo(repo.commit());
    JsonNode provenance = done.get("provenance");
    assertThat(provenance.get("source").get("uri").asText()).isEqualTo("hf://" + repoId + "@v1");
    assertThat(provenance.get("source").get("revision").asText()).isEqualTo(repo.commit());
    assertThat(provenance.get("source").get("archive_sha256").isNull()).isTrue();
    assertThat(paths(provenance.get("inputs"))).containsExactly("config.json", "model.safetensors", "tokenizer.json");
    for (JsonNode input : provenance.get("inputs")) {
      String file = input.get("path").asText();
      assertThat(input.get("sha256").asText()).as(file).isEqualTo(repo.sha256(file));
      assertThat(input.get("bytes").asLong()).as(file).isEqualTo(repo.files().get(file).length);
    }
    Path output = Path.of(URI.create(done.get("output_uri").asText()));
    assertThat(paths(provenance.get("outputs"))).containsExactly("model.safetensors");
    assertThat(provenance.get("outputs").get(0).get("sha256").asText())
        .isEqualTo(FileDigests.sha256(output.resolve("model.safetensors")));
    assertThat(HUB.resolved(repoId)).doesNotContain("pytorch_model.bin").contains("model.safetensors");
    assertThat(json(get("/api/v1/cleanse-jobs/" + id + "/events")).toString())
        .contains("revision resolved to commit " + repo.commit());
    String html = get("/api/v1/cleanse-jobs/" + id + "/report.html").body();
    assertThat(html).contains("Provenance", repo.commit(), repo.sha256("config.json"));

    int downloads = HUB.resolved(repoId).size();
    String again = submit("""
        {"model_uri": "hf://%s", "options": {"max_epochs": 1, "inner_steps": 1}}""".formatted(repoId));
    assertThat(awaitStatus(again, "succeeded").get("model_revision").asText()).isEqualTo(repo.commit());
    assertThat(HUB.resolved(repoId)).as("the same commit again: nothing downloaded").hasSize(downloads);
  }

  @Test
  void aRevisionTheHubDoesNotKnowFailsTheJobWithItsAnswer() throws Exception {
    Path dir = model(uniqueName("hub-missing"));
    String repoId = "beear-test/" + dir.getFileName();
    HUB.publish(repoId, dir, FakeHub.Access.PUBLIC);

    String id = submit("""
        {"model_uri": "hf://%s@no-such-branch"}""".formatted(repoId));

    assertThat(awaitStatus(id, "failed").get("error").asText())
        .isEqualTo("hf://" + repoId + ": revision 'no-such-branch' not found (404)");
    assertThat(statusEvents(id)).containsExactly("queued", "running", "failed");
  }

  @Test
  void aFileModelsJobRecordsTheDigestsOfTheFilesItRead() throws Exception {
    Path dir = model(uniqueName("provenance"));
    Files.writeString(dir.resolve("notes.txt"), "not read by the engine");

    String id = submit("""
        {"model_uri": "%s", "options": {"max_epochs": 1, "inner_steps": 1}}""".formatted(fileUri(dir)));
    JsonNode done = awaitStatus(id, "succeeded");

    JsonNode provenance = done.get("provenance");
    assertThat(provenance.get("source").get("uri").asText()).isEqualTo(fileUri(dir));
    assertThat(provenance.get("source").get("revision").isNull()).isTrue();
    assertThat(done.get("model_revision").isNull()).isTrue();
    assertThat(paths(provenance.get("inputs"))).containsExactly("config.json", "model.safetensors");
    assertThat(provenance.get("inputs").get(0).get("sha256").asText())
        .isEqualTo(FileDigests.sha256(dir.resolve("config.json")));
    assertThat(paths(provenance.get("outputs"))).containsExactly("model.safetensors");
  }

  private static List<String> paths(JsonNode files) {
    List<String> paths = new ArrayList<>();
    files.forEach(f -> paths.add(f.get("path").asText()));
    return paths;
  }
}
