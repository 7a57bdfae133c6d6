package org.beear.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.beear.files.DiskSpace;
import org.beear.files.FileDigests;
import org.beear.net.FetchCancellation;
import org.beear.net.FetchFailedException;
import org.beear.net.FetchRequest;
import org.beear.net.FetchStatusException;
import org.beear.net.HttpFetcher;
import org.beear.net.ResponseHead;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Hugging Face Hub's HTTP protocol, as {@code huggingface_hub} speaks it: a revision resolves to a commit and
 * the repository's file list through {@code GET /api/models/ORG/NAME/revision/REV} (JSON {@code sha},
 * {@code siblings[].rfilename}); a file of that commit is {@code GET /ORG/NAME/resolve/COMMIT/FILE}, which the hub
 * answers itself (small files; {@code ETag} is the git blob's SHA-1) or redirects, relatively or to a CDN with a
 * signed URL, saying {@code X-Linked-Etag} (the large file's SHA-256) and {@code X-Linked-Size}. Every answer of
 * the hub names the commit it served in {@code X-Repo-Commit}. The token goes to the endpoint's origin only.
 *
 * <p>Each file is written to {@code FILE.part} and renamed when whole and checked against the size and checksum the
 * hub gave: a transfer that breaks off after some bytes arrived is resumed with a {@code Range} request, within
 * this fetch or by a later one that finds the partial file.
 */
final class HubClient {

  private static final Logger log = LoggerFactory.getLogger(HubClient.class);
  static final String PARTIAL = ".part";
  /** A repository's JSON description; one of 10,000 files is about 100 KiB. */
  static final int MAX_API_BYTES = 16 << 20;
  /** Resumes of one file in one fetch; each must have brought bytes. */
  static final int MAX_RESUMES = 10;
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}([0-9a-f]{24})?");
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A revision resolved: its commit and every file of the repository there. */
  record Revision(String commit, List<String> files) {}

  /** The bytes all files of one model may take together, and one deadline for the whole fetch. */
  static final class Budget {
    private final long maxBytes;
    private final long deadlineNanos;
    private long completed;

    Budget(long maxBytes, Duration timeout) {
      this.maxBytes = maxBytes;
      this.deadlineNanos = System.nanoTime() + timeout.toNanos();
    }

    Duration timeLeft() {
      return Duration.ofNanos(deadlineNanos - System.nanoTime());
    }

    void require(long more, HubRepo repo) {
      if (more > maxBytes - completed) {
        throw new SourceException(repo.shown() + ": the model's files are larger than the download cap of "
            + DiskSpace.format(maxBytes));
      }
    }
  }

  private final HttpFetcher fetcher;
  private final URI endpoint;
  private final String token;
  private final long reserve;

  HubClient(HttpFetcher fetcher, URI endpoint, String token, long reserve) {
    this.fetcher = fetcher;
    this.endpoint = endpoint;
    this.token = token;
    this.reserve = reserve;
  }

  Revision revision(HubRepo repo, Budget budget, FetchCancellation cancellation) {
    URI uri = URI.create(endpoint + "/api/models/" + repo.id() + "/revision/" + encode(repo.revision()));
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    try {
      fetcher.download(new FetchRequest(uri, token, 0, budget.timeLeft()), new Bounded(body, repo), cancellation,
          head -> { });
    } catch (FetchStatusException e) {
      throw HubErrors.of(repo, null, null, e, token != null);
    } catch (FetchFailedException e) {
      throw new SourceException(repo.shown() + ": " + e.getMessage());
    }
    JsonNode info;
    try {
      info = JSON.readTree(body.toByteArray());
    } catch (IOException e) {
      throw new SourceException(repo.shown() + ": the hub's answer for revision '" + repo.revision()
          + "' is not JSON");
    }
    String commit = info.path("sha").asText("");
    if (!COMMIT.matcher(commit).matches()) {
      throw new SourceException(repo.shown() + ": the hub named no commit for revision '" + repo.revision() + "'");
    }
    List<String> files = new ArrayList<>();
    for (JsonNode sibling : info.path("siblings")) {
      String name = sibling.path("rfilename").asText("");
      if (!name.isEmpty()) {
        files.add(name);
      }
    }
    return new Revision(commit, List.copyOf(files));
  }

  /**
   * Downloads {@code file} of {@code commit} into {@code dir}, resuming {@code FILE.part} if an earlier attempt left
   * one; a file already there (renamed when it was whole) is kept.
   */
  void download(HubRepo repo, String commit, String file, Path dir, Budget budget, FetchCancellation cancellation)
      throws IOException {
    Path done = dir.resolve(file);
    if (Files.isRegularFile(done)) {
      budget.require(Files.size(done), repo);
      budget.completed += Files.size(done);
      return;
    }
    Path part = dir.resolve(file + PARTIAL);
    URI uri = URI.create(endpoint + "/" + repo.id() + "/resolve/" + commit + "/" + encode(file));
    for (int resumes = 0; ; ) {
      long had = Files.exists(part) ? Files.size(part) : 0;
      Transfer transfer = new Transfer(repo, file, had, dir, budget);
      try (FileChannel channel = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        channel.truncate(had).position(had);
        transfer.channel = channel;
        OutputStream out = new SpaceCheckingOutputStream(new Counting(Channels.newOutputStream(channel), transfer),
            dir, "the model download", reserve);
        fetcher.download(new FetchRequest(uri, token, had, budget.timeLeft()), out, cancellation,
            transfer::onResponse);
      } catch (FetchStatusException e) {
        if (e.status() == 416 && had > 0 && resumes++ < MAX_RESUMES) {
          Files.delete(part); // the partial file is not a prefix of this file: start over
          continue;
        }
        if (!sameOrigin(e.head().uri(), endpoint)) { // the CDN's answer: its 403 is an expired signature, not ours
          throw new SourceException(repo.shown() + ": " + file + ": " + e.getMessage());
        }
        throw HubErrors.of(repo, file, commit, e, token != null);
      } catch (FetchFailedException e) {
        if (Files.size(part) > had && resumes++ < MAX_RESUMES) {
          log.info("{}: {} broke off after {} bytes ({}); resuming", repo.shown(), file, Files.size(part),
              e.getMessage());
          continue;
        }
        throw new SourceException(repo.shown() + ": " + file + ": " + e.getMessage());
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
      long size = Files.size(part);
      if (transfer.expected >= 0 && size < transfer.expected && size > had && resumes++ < MAX_RESUMES) {
        continue; // the body ended early without an error: ask for the rest
      }
      verify(transfer, part, size, commit);
      Files.move(part, done, StandardCopyOption.ATOMIC_MOVE);
      budget.completed += size;
      return;
    }
  }

  /** Size, checksum and commit as the hub stated them; a file that fails is deleted, not resumed. */
  private void verify(Transfer t, Path part, long size, String commit) throws IOException {
    String problem = null;
    if (t.expected >= 0 && size != t.expected) {
      problem = "has " + size + " bytes where the hub announced " + t.expected;
    } else if (t.servedCommit != null && !t.servedCommit.equals(commit)) {
      problem = "came from commit " + t.servedCommit + " instead of " + commit;
    } else if (t.etag != null && t.etag.length() == 64 && !t.etag.equals(FileDigests.sha256(part))) {
      problem = "does not match the SHA-256 the hub gave (" + t.etag + ")";
    } else if (t.etag != null && t.etag.length() == 40 && !t.etag.equals(gitBlobSha1(part, size))) {
      problem = "does not match the git object id the hub gave (" + t.etag + ")";
    }
    if (problem != null) {
      Files.deleteIfExists(part);
      throw new SourceException(t.repo.shown() + ": " + t.file + " " + problem);
    }
  }

  /** The id git gives a file's content: SHA-1 of {@code "blob <size>\0"} and the bytes. */
  private static String gitBlobSha1(Path file, long size) throws IOException {
    MessageDigest sha1;
    try {
      sha1 = MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    sha1.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
    byte[] buffer = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        sha1.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(sha1.digest());
  }

  /** Percent-encodes one path segment: everything but unreserved characters (as {@code quote(s, safe="")}). */
  static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A")
        .replace("%7E", "~");
  }

  /** What the responses of one file's transfer said, and where its body goes. */
  private final class Transfer {
    final HubRepo repo;
    final String file;
    final Path dir;
    final Budget budget;
    long start;
    long expected = -1;
    String servedCommit;
    String etag;
    String linkedEtag;
    FileChannel channel;

    Transfer(HubRepo repo, String file, long start, Path dir, Budget budget) {
      this.repo = repo;
      this.file = file;
      this.start = start;
      this.dir = dir;
      this.budget = budget;
    }

    void onResponse(ResponseHead head) {
      boolean fromHub = sameOrigin(head.uri(), endpoint);
      if (fromHub) {
        head.header("x-repo-commit").ifPresent(c -> servedCommit = c.trim());
        head.header("x-linked-etag").ifPresent(e -> linkedEtag = normalise(e));
        head.header("x-linked-size").ifPresent(s -> expected = parseSize(s));
      }
      if (head.status() / 100 != 2) {
        return;
      }
      etag = linkedEtag != null ? linkedEtag
          : fromHub ? head.header("etag").map(HubClient::normalise).orElse(null) : null;
      long total = head.contentLength() < 0 ? -1 : start + head.contentLength();
      try {
        if (head.status() == 206) {
          Matcher range = CONTENT_RANGE.matcher(head.header("content-range").orElse(""));
          if (!range.matches() || Long.parseLong(range.group(1)) != start) {
            throw new SourceException(repo.shown() + ": " + file + ": the server resumed the download at another"
                + " byte than asked (" + head.header("content-range").orElse("no Content-Range") + ")");
          }
          total = range.group(3).equals("*") ? total : Long.parseLong(range.group(3));
        } else if (start > 0) {
          channel.truncate(0).position(0); // a server that ignores Range sends the whole file
          start = 0;
          total = head.contentLength();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (expected < 0) {
        expected = total;
      }
      if (expected >= 0) {
        budget.require(expected, repo);
        DiskSpace.require(dir, expected - start, "the model download", reserve);
      }
    }

    void wrote(long bytes) {
      budget.require(start + bytes, repo);
    }
  }

  /** Counts what a transfer writes against the budget. */
  private static final class Counting extends FilterOutputStream {
    private final Transfer transfer;
    private long written;

    Counting(OutputStream out, Transfer transfer) {
      super(out);
      this.transfer = transfer;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      written += len;
      transfer.wrote(written);
      out.write(b, off, len);
    }
  }

  /** Collects the API's answer up to {@value #MAX_API_BYTES} bytes. */
  private static final class Bounded extends FilterOutputStream {
    private final HubRepo repo;
    private long written;

    Bounded(OutputStream out, HubRepo repo) {
      super(out);
      this.repo = repo;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      written += len;
      if (written > MAX_API_BYTES) {
        throw new SourceException(repo.shown() + ": the hub's description of the model is larger than "
            + DiskSpace.format(MAX_API_BYTES));
      }
      out.write(b, off, len);
    }
  }

  /** An ETag's value: quotes removed, lower case; null for a weak one, which promises no exact bytes. */
  private static String normalise(String etag) {
    String e = etag.trim();
    if (e.startsWith("W/")) {
      return null;
    }
    return e.replace("\"", "").toLowerCase(Locale.ROOT);
  }

  private static long parseSize(String s) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
        && port(a) == port(b);
  }

  private static int port(URI u) {
    return u.getPort() >= 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
  }
}
