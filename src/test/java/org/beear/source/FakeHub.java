package org.beear.source;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.beear.net.LoopbackHttpServer;

/**
 * A Hugging Face Hub on 127.0.0.1 with the real one's URL layout and headers: {@code /api/models/ORG/NAME/revision/REV}
 * answers JSON with {@code sha} and {@code siblings}; {@code /ORG/NAME/resolve/COMMIT/FILE} answers small files itself
 * ({@code ETag} the git blob id, {@code X-Repo-Commit}), {@code tokenizer.json} through a relative 307 to
 * {@code /api/resolve-cache/...} (as the hub does now), and {@code *.safetensors} with a 302 to a second loopback
 * server, the "CDN", with a signed query, {@code X-Linked-Etag} (SHA-256) and {@code X-Linked-Size}. Errors carry the
 * hub's {@code X-Error-Code}. Both servers honour {@code Range: bytes=N-} and record every request.
 */
public final class FakeHub implements AutoCloseable {

  public static final String TOKEN = "hf_fake-hub-token-0123456789";
  private static final Pattern API = Pattern.compile("/api/models/([^/]+)/([^/]+)/revision/([^/?]+)");
  private static final Pattern RESOLVE = Pattern.compile("/([^/]+)/([^/]+)/resolve/([^/]+)/([^?]+)");
  private static final Pattern CACHE = Pattern.compile("/api/resolve-cache/models/([^/]+)/([^/]+)/([^/]+)/([^?]+)");
  private static final Pattern CDN = Pattern.compile("/blobs/([0-9a-f]{64})\\?.*");

  /** Who may read a repository: anyone, a token holder, or a token holder who was granted access (never here). */
  public enum Access { PUBLIC, PRIVATE, GATED }

  /** A published repository: one commit, reached from {@code main} and any other refs. */
  public record Repo(String id, String commit, Map<String, byte[]> files, Access access) {
    public String sha256(String file) {
      return hex(digest("SHA-256", files.get(file)));
    }
  }

  private final Map<String, Repo> repos = new ConcurrentHashMap<>();
  private final Map<String, String> refs = new ConcurrentHashMap<>();
  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  private final Map<String, Long> dropAfter = new ConcurrentHashMap<>();
  private final Map<String, Boolean> tampered = new ConcurrentHashMap<>();
  private final Map<String, Integer> failNext = new ConcurrentHashMap<>();
  private volatile String cdnBase;
  private final LoopbackHttpServer hub;
  private final LoopbackHttpServer cdn;

  public FakeHub() throws IOException {
    this.cdn = new LoopbackHttpServer(this::cdn);
    this.hub = new LoopbackHttpServer(this::hub);
    this.cdnBase = cdn.url("");
  }

  /** Starts one, for a static field. */
  public static FakeHub start() {
    try {
      return new FakeHub();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What {@code beear.sources.hub.endpoint} is set to. */
  public String endpoint() {
    return hub.url("");
  }

  /** Publishes every file under {@code dir} (subdirectories too, as a repository has them) as {@code id}. */
  public Repo publish(String id, Path dir, Access access, String... otherRefs) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> tree = Files.walk(dir)) {
      for (Path f : tree.filter(Files::isRegularFile).toList()) {
        files.put(dir.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
      }
    }
    MessageDigest sha1 = md("SHA-1");
    sha1.update(id.getBytes(StandardCharsets.UTF_8));
    files.forEach((name, bytes) -> {
      sha1.update(name.getBytes(StandardCharsets.UTF_8));
      sha1.update(bytes);
    });
    Repo repo = new Repo(id, hex(sha1.digest()), Map.copyOf(files), access);
    repos.put(id, repo);
    refs.put(id + "@main", repo.commit());
    refs.put(id + "@" + repo.commit(), repo.commit());
    for (String ref : otherRefs) {
      refs.put(id + "@" + ref, repo.commit());
    }
    files.values().forEach(bytes -> blobs.put(hex(digest("SHA-256", bytes)), bytes));
    return repo;
  }

  /** The next transfer of {@code file} (from the hub or the CDN) sends its full length but breaks off after n bytes. */
  public void dropAfter(String file, long n) {
    dropAfter.put(file, n);
  }

  /** The next transfer of {@code file} that is not broken off ({@link #dropAfter}) answers this error status. */
  public void failNext(String file, int status) {
    failNext.put(file, status);
  }

  /** Large files of this repository are served with one byte changed, under their true size and checksum headers. */
  public void tamper(String file) {
    tampered.put(file, true);
  }

  /** Redirects large files to this base URL instead of the CDN's. */
  public void redirectLargeFilesTo(String base) {
    cdnBase = base;
  }

  public List<LoopbackHttpServer.Request> hubRequests() {
    return hub.requests();
  }

  public List<LoopbackHttpServer.Request> cdnRequests() {
    return cdn.requests();
  }

  /** The files requested through {@code /resolve/} of this repository, in order. */
  public List<String> resolved(String id) {
    List<String> files = new ArrayList<>();
    for (LoopbackHttpServer.Request r : hub.requests()) {
      Matcher m = RESOLVE.matcher(r.path());
      if (m.matches() && (m.group(1) + "/" + m.group(2)).equals(id)) {
        files.add(decode(m.group(4)));
      }
    }
    return files;
  }

  private void hub(LoopbackHttpServer.Request request, Socket socket, OutputStream out) throws IOException {
    Matcher api = API.matcher(request.path());
    Matcher resolve = RESOLVE.matcher(request.path());
    Matcher cache = CACHE.matcher(request.path());
    if (api.matches()) {
      Repo repo = readable(api.group(1) + "/" + api.group(2), request, out);
      if (repo == null) {
        return;
      }
      String commit = refs.get(repo.id() + "@" + decode(api.group(3)));
      if (commit == null) {
        error(out, 404, "RevisionNotFound");
        return;
      }
      StringBuilder json = new StringBuilder("{\"id\": \"" + repo.id() + "\", \"sha\": \"" + commit
          + "\", \"private\": " + (repo.access() != Access.PUBLIC) + ", \"siblings\": [");
      json.append(String.join(", ", repo.files().keySet().stream().map(f -> "{\"rfilename\": \"" + f + "\"}")
          .toList()));
      LoopbackHttpServer.respond(out, 200, json.append("]}").toString().getBytes(StandardCharsets.UTF_8),
          "Content-Type: application/json");
    } else if (resolve.matches() || cache.matches()) {
      Matcher m = resolve.matches() ? resolve : cache;
      Repo repo = readable(m.group(1) + "/" + m.group(2), request, out);
      if (repo == null) {
        return;
      }
      String file = decode(m.group(4));
      byte[] bytes = repo.files().get(file);
      if (!repo.commit().equals(refs.get(repo.id() + "@" + decode(m.group(3))))) {
        error(out, 404, "RevisionNotFound");
      } else if (bytes == null) {
        error(out, 404, "EntryNotFound");
      } else if (resolve.matches() && file.endsWith(".safetensors")) {
        String sha256 = hex(digest("SHA-256", bytes));
        LoopbackHttpServer.respond(out, 302, new byte[0],
            "Location: " + cdnBase + "/blobs/" + sha256 + "?X-Amz-Signature=fake&Expires=1",
            "X-Repo-Commit: " + repo.commit(), "X-Linked-Etag: \"" + sha256 + "\"",
            "X-Linked-Size: " + bytes.length, "ETag: \"" + gitBlobId(("version lfs " + sha256).getBytes()) + "\"");
      } else if (resolve.matches() && file.equals("tokenizer.json")) {
        LoopbackHttpServer.respond(out, 307, new byte[0], "Location: /api/resolve-cache/models/" + repo.id() + "/"
            + repo.commit() + "/" + m.group(4), "X-Repo-Commit: " + repo.commit());
      } else {
        body(file, bytes, request, socket, out, "ETag: \"" + gitBlobId(bytes) + "\"",
            "X-Repo-Commit: " + repo.commit());
      }
    } else {
      error(out, 404, null);
    }
  }

  private void cdn(LoopbackHttpServer.Request request, Socket socket, OutputStream out) throws IOException {
    Matcher m = CDN.matcher(request.path());
    byte[] bytes = m.matches() ? blobs.get(m.group(1)) : null;
    if (bytes == null) {
      LoopbackHttpServer.respond(out, 403, new byte[0]); // S3 answers a bad signature so
      return;
    }
    String file = repos.values().stream().flatMap(r -> r.files().entrySet().stream())
        .filter(e -> e.getValue() == bytes || hex(digest("SHA-256", e.getValue())).equals(m.group(1)))
        .map(Map.Entry::getKey).findFirst().orElse("");
    body(file, bytes, request, socket, out, "ETag: \"cdn-" + m.group(1).substring(0, 8) + "\"");
  }

  /** The repository if the request may read it; otherwise the hub's error is sent and null returned. */
  private Repo readable(String id, LoopbackHttpServer.Request request, OutputStream out) throws IOException {
    Repo repo = repos.get(id);
    boolean token = ("Bearer " + TOKEN).equals(request.headers().get("authorization"));
    if (repo == null || repo.access() == Access.PRIVATE && !token) {
      error(out, token ? 404 : 401, "RepoNotFound"); // like the hub: a private model reads as a missing one
      return null;
    }
    if (repo.access() == Access.GATED) {
      error(out, token ? 403 : 401, "GatedRepo");
      return null;
    }
    return repo;
  }

  /** The file's bytes from {@code Range}'s start, or a transfer that breaks off when one was asked for. */
  private void body(String file, byte[] bytes, LoopbackHttpServer.Request request, Socket socket, OutputStream out,
      String... headers) throws IOException {
    String range = request.headers().get("range");
    int from = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
    List<String> all = new ArrayList<>(List.of(headers));
    int status = 200;
    if (from > 0) {
      status = 206;
      all.add("Content-Range: bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length);
    }
    byte[] rest = java.util.Arrays.copyOfRange(bytes, from, bytes.length);
    if (tampered.containsKey(file) && rest.length > 0) {
      rest[rest.length / 2] ^= 1;
    }
    Long drop = dropAfter.remove(file);
    Integer failure = drop == null ? failNext.remove(file) : null;
    if (failure != null) {
      LoopbackHttpServer.respond(out, failure, new byte[0]);
      return;
    }
    if (drop == null) {
      LoopbackHttpServer.respond(out, status, rest, all.toArray(String[]::new));
      return;
    }
    StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " X\r\nConnection: close\r\nContent-Length: "
        + rest.length + "\r\n");
    all.forEach(h -> head.append(h).append("\r\n"));
    out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    out.write(rest, 0, (int) Math.min(drop, rest.length));
    out.flush();
    socket.close(); // an orderly close, so the client reads every byte sent before it sees the body end short
  }

  private static void error(OutputStream out, int status, String code) throws IOException {
    byte[] body = "{\"error\": \"fake hub error\"}".getBytes(StandardCharsets.UTF_8);
    if (code == null) {
      LoopbackHttpServer.respond(out, status, body);
    } else {
      LoopbackHttpServer.respond(out, status, body, "X-Error-Code: " + code, "X-Error-Message: fake hub error");
    }
  }

  /** Git's id of a file's content: SHA-1 of "blob SIZE\0" and the bytes (the hub's ETag of small files). */
  static String gitBlobId(byte[] bytes) {
    MessageDigest sha1 = md("SHA-1");
    sha1.update(("blob " + bytes.length + "\0").getBytes(StandardCharsets.US_ASCII));
    return hex(sha1.digest(bytes));
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static byte[] digest(String algorithm, byte[] bytes) {
    return md(algorithm).digest(bytes);
  }

  private static MessageDigest md(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  @Override
  public void close() throws IOException {
    hub.close();
    cdn.close();
  }
}
