package org.beear.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code beear keys create|list|revoke}: the key API of a running service, with an admin key. */
@Command(name = "keys", mixinStandardHelpOptions = true,
    description = "Manages API keys of a running service (needs an admin key).",
    subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
final class KeysCommand {

  /** Where the service is and which key to send. */
  static final class Connection {
    @Option(names = "--server", defaultValue = "http://localhost:8080",
        description = "the service (default: ${DEFAULT-VALUE})")
    String server;

    @Option(names = "--key-file", description = "file holding an admin key (default: $BEEAR_API_KEY if set, "
        + "else the bootstrap key file <data-dir>/admin.key)")
    Path keyFile;

    @Option(names = "--data-dir", defaultValue = ".beear",
        description = "the service's data directory (default: ${DEFAULT-VALUE})")
    Path dataDir;

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    String key() throws IOException {
      if (keyFile == null) {
        String fromEnv = System.getenv("BEEAR_API_KEY");
        if (fromEnv != null && !fromEnv.isBlank()) {
          return fromEnv.trim();
        }
      }
      Path file = keyFile != null ? keyFile : dataDir.resolve("admin.key");
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("no API key: " + file
            + " does not exist; pass --key-file or set BEEAR_API_KEY");
      }
      return Files.readString(file).trim();
    }

    /** Sends the request with the key; a non-2xx answer becomes one error line with the problem's detail. */
    JsonNode send(String method, String path, String body) throws Exception {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.replaceAll("/+$", "") + path))
          .timeout(Duration.ofSeconds(30))
          .header("Authorization", "Bearer " + key())
          .header("Accept", "application/json")
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(body));
      if (body != null) {
        request.header("Content-Type", "application/json");
      }
      HttpResponse<String> response;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      } catch (ConnectException e) {
        throw new IllegalStateException("cannot reach the service at " + server + " (is it running?)");
      }
      JsonNode answer = response.body().isBlank() ? JSON.nullNode() : parse(response.body());
      if (response.statusCode() / 100 != 2) {
        String detail = answer.path("detail").asText(answer.isNull() ? "" : response.body());
        throw new IllegalStateException("the service answered " + response.statusCode()
            + (detail.isBlank() ? "" : ": " + detail.replaceAll("\\s+", " ")));
      }
      return answer;
    }

    private static JsonNode parse(String body) {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        return JSON.getNodeFactory().textNode(body);
      }
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates a key and prints it (only now).")
  static final class Create implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;

    @Option(names = "--name", required = true, description = "what the key is for") String name;

    @Option(names = "--role", required = true, description = "read, submit, admin or metrics") String role;

    @Option(names = "--tenant", description = "the tenant whose jobs it sees (default: the admin key's)") String tenant;

    @Override
    public Integer call() throws Exception {
      ObjectNode body = new ObjectMapper().createObjectNode().put("name", name).put("role", role);
      if (tenant != null) {
        body.put("tenant", tenant);
      }
      JsonNode key = connection.send("POST", "/api/v1/keys", body.toString());
      PrintWriter out = spec.commandLine().getOut();
      out.println(key.get("key").asText());
      out.printf("id %s, role %s, tenant %s. The key is shown only now; keep it in a secret store.%n",
          key.get("id").asText(), key.get("role").asText(), key.get("tenant").asText());
      out.flush();
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists keys (never the keys themselves).")
  static final class ListKeys implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      String format = "%-36s  %-11s  %-8s  %-16s  %-20s  %-20s  %s%n";
      out.printf(format, "ID", "PREFIX", "ROLE", "TENANT", "CREATED", "LAST USED", "NAME");
      for (JsonNode key : connection.send("GET", "/api/v1/keys", null)) {
        String name = key.get("name").asText() + (key.get("revoked_at").isNull() ? "" : " (revoked)");
        out.printf(format, key.get("id").asText(), key.get("prefix").asText(), key.get("role").asText(),
            key.get("tenant").asText(), time(key.get("created_at")), time(key.get("last_used_at")), name);
      }
      out.flush();
      return 0;
    }

    private static String time(JsonNode t) {
      return t == null || t.isNull() ? "-" : t.asText().replaceFirst("\\.\\d+Z$", "Z");
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revokes a key; it stops working at once.")
  static final class Revoke implements Callable<Integer> {
    @Mixin Connection connection;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "the key's id (see 'keys list')") String id;

    @Override
    public Integer call() throws Exception {
      JsonNode key = connection.send("DELETE", "/api/v1/keys/" + id, null);
      spec.commandLine().getOut().printf("revoked %s (%s, %s)%n", key.get("id").asText(),
          key.get("name").asText(), key.get("prefix").asText());
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
