package org.beear.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.beear.net.LoopbackHttpServer.redirect;
import static org.beear.net.LoopbackHttpServer.reset;
import static org.beear.net.LoopbackHttpServer.respond;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every server here listens on 127.0.0.1, and every name resolves (through the test's own resolver) to 127.0.0.1:
 * no test sends a packet anywhere else. What must be refused is refused before a connection; the listeners prove it
 * by counting none.
 */
class HttpFetcherTest {

  private static final byte[] BODY = "model bytes".getBytes(StandardCharsets.UTF_8);
  private static final FetchLimits LIMITS =
      new FetchLimits(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(20), 3, 1_000);
  private static final EgressPolicy LOOPBACK_ALLOWED = EgressPolicy.allowing(List.of("127.0.0.1/32"));

  /** Names the tests use, all on this machine; anything else is unknown, never looked up for real. */
  private static final HostResolver NAMES = host -> switch (host) {
    case "models.test", "allowed.test", "other.test" -> new InetAddress[] {InetAddress.getLoopbackAddress()};
    default -> {
      if (host.equals("127.0.0.1")) {
        yield new InetAddress[] {InetAddress.getLoopbackAddress()};
      }
      throw new UnknownHostException(host);
    }
  };

  @TempDir
  Path tmp;
  private final List<AutoCloseable> closeAfter = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closeAfter) {
      c.close();
    }
  }

  private LoopbackHttpServer server(LoopbackHttpServer.Handler handler) throws Exception {
    LoopbackHttpServer server = new LoopbackHttpServer(handler);
    closeAfter.add(server);
    return server;
  }

  private HttpFetcher fetcher(EgressPolicy policy, FetchLimits limits) {
    HttpFetcher fetcher = new HttpFetcher(policy, limits, NAMES);
    closeAfter.add(fetcher);
    return fetcher;
  }

  private static byte[] fetch(HttpFetcher fetcher, String url) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    fetcher.download(URI.create(url), out, new FetchCancellation());
    return out.toByteArray();
  }

  private static final LoopbackHttpServer.Handler SERVE_BODY = (request, socket, out) -> respond(out, 200, BODY);

  @Test
  void theDefaultPolicyRefusesLoopbackWithoutConnecting() throws Exception {
    LoopbackHttpServer server = server(SERVE_BODY);
    HttpFetcher fetcher = fetcher(EgressPolicy.publicOnly(), LIMITS);

    assertThatThrownBy(() -> fetch(fetcher, server.url("/m.tar.gz")))
        .isInstanceOf(FetchFailedException.class)
        .hasMessage("fetch failed: address not allowed by egress policy");
    assertThatThrownBy(() -> fetch(fetcher, "http://models.test:" + server.port() + "/m.tar.gz"))
        .as("a name that resolves to loopback is judged by its address")
        .hasMessage("fetch failed: address not allowed by egress policy");
    assertThat(server.connections()).isZero();
  }

  @Test
  void anAllowlistedAddressOrHostIsFetched() throws Exception {
    LoopbackHttpServer server = server(SERVE_BODY);
    assertThat(fetch(fetcher(LOOPBACK_ALLOWED, LIMITS), server.url("/m"))).isEqualTo(BODY);
    assertThat(fetch(fetcher(EgressPolicy.allowing(List.of("models.test")), LIMITS),
        "http://models.test:" + server.port() + "/m")).isEqualTo(BODY);
    assertThat(server.requests()).extracting(LoopbackHttpServer.Request::path).containsExactly("/m", "/m");
  }

  @Test
  void redirectsAreFollowedUpToTheCap() throws Exception {
    LoopbackHttpServer server = server((request, socket, out) -> {
      int hop = Integer.parseInt(request.path().substring(1));
      if (hop > 0) {
        redirect(out, hop % 2 == 0 ? 302 : 307, "/" + (hop - 1));
      } else {
        respond(out, 200, BODY);
      }
    });
    HttpFetcher fetcher = fetcher(LOOPBACK_ALLOWED, LIMITS);
    assertThat(fetch(fetcher, server.url("/3"))).isEqualTo(BODY);
    assertThatThrownBy(() -> fetch(fetcher, server.url("/4")))
        .isInstanceOf(FetchFailedException.class).hasMessage("fetch failed: too many redirects");
    assertThat(server.requests()).extracting(LoopbackHttpServer.Request::path)
        .containsExactly("/3", "/2", "/1", "/0", "/4", "/3", "/2", "/1");
  }

  @Test
  void aRedirectToAnAddressNotAllowedIsRefusedWithoutConnecting() throws Exception {
    LoopbackHttpServer elsewhere = server(SERVE_BODY);
    LoopbackHttpServer entry = server((request, socket, out) ->
        redirect(out, 302, "http://other.test:" + elsewhere.port() + "/m"));
    HttpFetcher fetcher = fetcher(EgressPolicy.allowing(List.of("allowed.test")), LIMITS);

    assertThatThrownBy(() -> fetch(fetcher, "http://allowed.test:" + entry.port() + "/m"))
        .isInstanceOf(FetchFailedException.class)
        .hasMessage("fetch failed: address not allowed by egress policy");
    assertThat(entry.connections()).isEqualTo(1);
    assertThat(elsewhere.connections()).isZero();
  }

  @Test
  void aRedirectFromHttpsToHttpIsRefused() throws Exception {
    SSLContext tls = selfSignedTls();
    LoopbackHttpServer plain = server(SERVE_BODY);
    LoopbackHttpServer secure = new LoopbackHttpServer(tls.getServerSocketFactory(), "https",
        (request, socket, out) -> {
          if (request.path().equals("/same")) {
            redirect(out, 301, "/m");
          } else if (request.path().equals("/m")) {
            respond(out, 200, BODY);
          } else {
            redirect(out, 301, plain.url("/m"));
          }
        });
    closeAfter.add(secure);
    HttpFetcher fetcher = new HttpFetcher(LOOPBACK_ALLOWED, LIMITS, NAMES, tls);
    closeAfter.add(fetcher);

    assertThat(fetch(fetcher, secure.url("/same"))).as("https to https is fine").isEqualTo(BODY);
    assertThatThrownBy(() -> fetch(fetcher, secure.url("/down")))
        .isInstanceOf(FetchFailedException.class)
        .hasMessage("fetch failed: redirect from https to http refused");
    assertThat(plain.connections()).isZero();
  }

  @Test
  void aTricklingBodyEndsAtTheDownloadTimeout() throws Exception {
    LoopbackHttpServer server = server((request, socket, out) -> {
      respond(out, 200, null, "Content-Length: 900");
      for (int i = 0; i < 900; i++) {
        out.write('x');
        out.flush();
        Thread.sleep(50); // always well inside the read timeout, so only the whole-transfer limit can end it
      }
    });
    HttpFetcher fetcher = fetcher(LOOPBACK_ALLOWED,
        new FetchLimits(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(1), 3, 1_000));

    long start = System.nanoTime();
    assertThatThrownBy(() -> fetch(fetcher, server.url("/slow")))
        .isInstanceOf(FetchFailedException.class).hasMessage("fetch failed: timed out");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
  }

  @Test
  void aBodyThatStopsArrivingEndsAtTheReadTimeout() throws Exception {
    LoopbackHttpServer server = server((request, socket, out) -> {
      respond(out, 200, null, "Content-Length: 100");
      out.write("half".getBytes(StandardCharsets.UTF_8));
      out.flush();
      Thread.sleep(10_000);
    });
    HttpFetcher fetcher = fetcher(LOOPBACK_ALLOWED,
        new FetchLimits(Duration.ofSeconds(5), Duration.ofMillis(500), Duration.ofSeconds(20), 3, 1_000));
    long start = System.nanoTime();
    assertThatThrownBy(() -> fetch(fetcher, server.url("/stalled")))
        .isInstanceOf(FetchFailedException.class).hasMessage("fetch failed: timed out");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
  }

  @Test
  void refusedSilentAndResetConnectionsReadTheSame() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    LoopbackHttpServer silent = server((request, socket, out) -> Thread.sleep(10_000));
    LoopbackHttpServer resetting = server((request, socket, out) -> reset(socket));
    HttpFetcher fetcher = fetcher(LOOPBACK_ALLOWED,
        new FetchLimits(Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofSeconds(20), 3, 1_000));

    List<String> messages = new ArrayList<>();
    for (String url : List.of("http://127.0.0.1:" + closedPort + "/m", silent.url("/m"), resetting.url("/m"))) {
      try {
        fetch(fetcher, url);
      } catch (FetchFailedException e) {
        messages.add(e.getMessage());
      }
    }
    assertThat(messages).containsOnly("fetch failed: could not connect to the server").hasSize(3);
  }

  @Test
  void aResetDuringTheBodyIsAFailedTransfer() throws Exception {
    LoopbackHttpServer server = server((request, socket, out) -> {
      respond(out, 200, null, "Content-Length: 500");
      out.write(new byte[100]);
      out.flush();
      reset(socket);
    });
    assertThatThrownBy(() -> fetch(fetcher(LOOPBACK_ALLOWED, LIMITS), server.url("/m")))
        .isInstanceOf(FetchFailedException.class).hasMessage("fetch failed: connection lost during the transfer");
  }

  @Test
  void bodiesOverTheCapAreRefusedDeclaredOrNot() throws Exception {
    LoopbackHttpServer server = server((request, socket, out) -> {
      if (request.path().equals("/declared")) {
        respond(out, 200, new byte[1_001]);
      } else {
        respond(out, 200, null); // no length: the body runs until the connection closes
        out.write(new byte[5_000]);
      }
    });
    HttpFetcher fetcher = fetcher(LOOPBACK_ALLOWED, LIMITS);
    for (String path : List.of("/declared", "/undeclared")) {
      assertThatThrownBy(() -> fetch(fetcher, server.url(path)))
          .isInstanceOf(FetchFailedException.class)
          .hasMessage("fetch failed: larger than the download cap of 1000 bytes");
    }
  }

  @Test
  void anHttpErrorIsReportedByItsStatus() throws Exception {
    LoopbackHttpServer server = server((request, socket, out) -> respond(out, 404, new byte[0]));
    assertThatThrownBy(() -> fetch(fetcher(LOOPBACK_ALLOWED, LIMITS), server.url("/missing")))
        .isInstanceOf(FetchFailedException.class).hasMessage("fetch failed: HTTP 404");
  }

  @Test
  void cancellingASlowDownloadEndsItWithinASecond() throws Exception {
    LoopbackHttpServer server = server((request, socket, out) -> {
      respond(out, 200, null, "Content-Length: 900");
      for (int i = 0; i < 900; i++) {
        out.write('x');
        out.flush();
        Thread.sleep(100);
      }
    });
    HttpFetcher fetcher = fetcher(LOOPBACK_ALLOWED, LIMITS);
    FetchCancellation cancellation = new FetchCancellation();
    Thread canceller = new Thread(() -> {
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        return;
      }
      cancellation.cancel();
    });
    canceller.start();
    long start = System.nanoTime();
    assertThatThrownBy(() -> fetcher.download(URI.create(server.url("/slow")), new ByteArrayOutputStream(),
        cancellation)).isInstanceOf(FetchCancelledException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void credentialsInTheUriGoToItsOriginOnlyAndNeverInTheRequestLine() throws Exception {
    LoopbackHttpServer other = server(SERVE_BODY);
    LoopbackHttpServer origin = server((request, socket, out) ->
        redirect(out, 302, "http://127.0.0.1:" + other.port() + "/next?sig=abc"));
    HttpFetcher fetcher = fetcher(LOOPBACK_ALLOWED, LIMITS);

    assertThat(fetch(fetcher, "http://alice:s%3Acret@127.0.0.1:" + origin.port() + "/m?token=t#frag"))
        .isEqualTo(BODY);
    Map<String, String> first = origin.requests().get(0).headers();
    assertThat(first.get("authorization")).isEqualTo("Basic "
        + java.util.Base64.getEncoder().encodeToString("alice:s:cret".getBytes(StandardCharsets.UTF_8)));
    assertThat(origin.requests().get(0).path()).isEqualTo("/m?token=t");
    assertThat(other.requests().get(0).headers()).doesNotContainKey("authorization");
    assertThat(other.requests().get(0).path()).isEqualTo("/next?sig=abc");
  }

  /** A key pair made by the JDK's keytool for 127.0.0.1; the client trusts exactly this certificate. */
  private SSLContext selfSignedTls() throws Exception {
    Path store = tmp.resolve("tls.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "test", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
        "-ext", "san=ip:127.0.0.1", "-validity", "1", "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(store.toFile())) {
      keys.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, "changeit".toCharArray());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(keys);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return context;
  }
}
