package org.beear.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** docker/healthcheck.sh (the image's HEALTHCHECK) against a local readiness endpoint. */
class ContainerHealthcheckTest {
  private static final String SCRIPT = "docker/healthcheck.sh";

  @Test
  void healthyOnlyWhileReadinessAnswers200() throws Exception {
    assumeTrue(ExternalProcess.onPath("bash").isPresent(), "bash not installed");
    AtomicInteger status = new AtomicInteger(200);
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/actuator/health/readiness", exchange -> {
      byte[] body = (status.get() == 200 ? "{\"status\":\"UP\"}" : "{\"status\":\"OUT_OF_SERVICE\"}")
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status.get(), body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    try {
      int port = server.getAddress().getPort();
      assertEquals(0, healthcheck(port).exitCode(), "UP");
      status.set(503);
      ExternalProcess.Result draining = healthcheck(port);
      assertNotEquals(0, draining.exitCode(), "503 while starting or draining");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void unhealthyWhenNothingListens() throws Exception {
    assumeTrue(ExternalProcess.onPath("bash").isPresent(), "bash not installed");
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    assertNotEquals(0, healthcheck(closedPort).exitCode());
  }

  private static ExternalProcess.Result healthcheck(int port) throws Exception {
    return ExternalProcess.run(List.of("bash", SCRIPT), Map.of("SERVER_PORT", String.valueOf(port)), Duration.ofSeconds(15));
  }
}
