package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Form bodies, which the API never takes: no filter reads one before the size limit and authentication (Spring's
 * form filter used to parse every PUT/PATCH/DELETE form body in full, on any path, before either: three 60 MiB
 * bodies to the open {@code /livez} filled a 2 GB heap). Sent over raw sockets, chunked, with no Content-Length,
 * so that what the server read shows in what it let the client send before it answered and closed.
 */
class FormBodyTest extends LimitsTestBase {

  private static final int BODY_BYTES = 64 * 1024 * 1024;
  /** What the server may take in before it closes: the 1 MiB it drains at most, and the sockets' buffers. */
  private static final long READ_AT_MOST = 16L * 1024 * 1024;

  /** What the server answered and how much of the body it let the client send. */
  record Upload(String statusLine, long bytesSent) {}

  @Test
  void largeChunkedFormBodiesAreAnsweredWithoutBeingReadAndLivezKeepsAnswering() throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(4);
    try {
      List<Future<Upload>> uploads = new ArrayList<>();
      uploads.add(clients.submit(() -> chunkedForm("PUT", "/livez")));
      uploads.add(clients.submit(() -> chunkedForm("PUT", "/livez")));
      // the API without a key: refused by authentication before anything reads the body
      uploads.add(clients.submit(() -> chunkedForm("PUT", JOBS)));
      uploads.add(clients.submit(() -> chunkedForm("POST", "/api/v1/keys")));

      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      boolean done;
      do {
        done = uploads.stream().allMatch(Future::isDone);
        HttpResponse<String> livez = send(HttpRequest.newBuilder(URI.create(url("/livez")))
            .timeout(Duration.ofSeconds(10)).GET());
        assertThat(livez.statusCode()).as("/livez while the bodies arrive").isEqualTo(200);
        Thread.sleep(20);
      } while (!done && System.nanoTime() < deadline);

      List<String> answers = new ArrayList<>();
      for (Future<Upload> upload : uploads) {
        Upload u = upload.get(1, TimeUnit.SECONDS);
        answers.add(u.statusLine());
        assertThat(u.bytesSent()).as("bytes of the %d MiB body the server took in (%s)", BODY_BYTES >> 20,
            u.statusLine()).isLessThan(READ_AT_MOST);
      }
      assertThat(answers).containsExactly("HTTP/1.1 405 ", "HTTP/1.1 405 ", "HTTP/1.1 401 ", "HTTP/1.1 401 ");
    } finally {
      clients.shutdownNow();
    }
  }

  @Test
  void aFormBodyDeclaredOverTheLimitIsRefusedWith413() throws Exception {
    HttpResponse<String> put = send(HttpRequest.newBuilder(URI.create(url("/livez")))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .PUT(HttpRequest.BodyPublishers.ofString("a=" + "b".repeat(1024 * 1024))));
    assertThat(problem(put, 413).get("detail").asText()).isEqualTo("request body larger than 1 MiB");
  }

  /**
   * Sends a {@value #BODY_BYTES}-byte form body of many short fields (the heaviest to parse), chunked, until the
   * server closes the connection or the body is all sent, whatever the server answered meanwhile.
   */
  private Upload chunkedForm(String method, String path) throws Exception {
    try (Socket socket = new Socket()) {
      socket.setSendBufferSize(64 * 1024);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout(60_000);
      OutputStream out = socket.getOutputStream();
      out.write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
          + "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      FutureTask<String> statusLine = new FutureTask<>(() -> {
        try {
          String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
              .readLine();
          return line == null ? "closed without an answer" : line.substring(0, Math.min(line.length(), 13));
        } catch (IOException e) {
          return "no answer: " + e;
        }
      });
      new Thread(statusLine, "status-line-reader").start();
      byte[] fields = "field=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&".repeat(1024)
          .getBytes(StandardCharsets.US_ASCII);
      byte[] chunk = new byte[fields.length + 16];
      byte[] head = (Integer.toHexString(fields.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(head, 0, chunk, 0, head.length);
      System.arraycopy(fields, 0, chunk, head.length, fields.length);
      chunk[head.length + fields.length] = '\r';
      chunk[head.length + fields.length + 1] = '\n';
      int chunkLength = head.length + fields.length + 2;
      long sent = 0;
      try {
        while (sent < BODY_BYTES) {
          out.write(chunk, 0, chunkLength);
          sent += fields.length;
        }
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } catch (IOException closedByTheServer) {
        // the server answered and closed the connection: the rest of the body is not sent
      }
      return new Upload(statusLine.get(60, TimeUnit.SECONDS), sent);
    }
  }
}
