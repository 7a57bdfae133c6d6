package org.beear.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP listener on a loopback address that accepts, counts and closes every connection: the target of tests that
 * show a refused fetch never reached the network (its count stays 0).
 */
public final class ConnectionCountingListener implements AutoCloseable {

  private final ServerSocket socket;
  private final AtomicInteger connections = new AtomicInteger();

  /** @throws IOException when {@code address} cannot be bound here (e.g. 127.0.0.2 where only 127.0.0.1 is) */
  public ConnectionCountingListener(InetAddress address) throws IOException {
    this.socket = new ServerSocket(0, 50, address);
    Thread acceptor = new Thread(() -> {
      try {
        while (true) {
          socket.accept().close();
          connections.incrementAndGet();
        }
      } catch (IOException closed) {
        // the test is over
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return socket.getLocalPort();
  }

  public int connections() {
    return connections.get();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
