package org.beear.net;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ServerSocketFactory;

/**
 * A deliberately crude HTTP/1.1 server on 127.0.0.1 that counts every connection it accepts and lets a test answer
 * in ways a well-behaved server never would: trickling, resetting, redirecting, going silent.
 */
public final class LoopbackHttpServer implements AutoCloseable {

  /** A request as received: its path and its headers (lower-case names). */
  public record Request(String path, Map<String, String> headers) {}

  @FunctionalInterface
  public interface Handler {
    void handle(Request request, Socket socket, OutputStream out) throws Exception;
  }

  private final ServerSocket server;
  private final AtomicInteger connections = new AtomicInteger();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final String scheme;

  public LoopbackHttpServer(Handler handler) throws IOException {
    this(ServerSocketFactory.getDefault(), "http", handler);
  }

  LoopbackHttpServer(ServerSocketFactory factory, String scheme, Handler handler) throws IOException {
    this.scheme = scheme;
    this.server = factory.createServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread acceptor = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          connections.incrementAndGet();
          open.add(socket);
          Thread worker = new Thread(() -> serve(socket, handler), "loopback-http-conn");
          worker.setDaemon(true);
          worker.start();
        } catch (IOException closed) {
          return;
        }
      }
    }, "loopback-http-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void serve(Socket socket, Handler handler) {
    try (socket) {
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      String requestLine = in.readLine();
      if (requestLine == null) {
        return;
      }
      Map<String, String> headers = new TreeMap<>();
      for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
        int colon = line.indexOf(':');
        headers.put(line.substring(0, colon).trim().toLowerCase(), line.substring(colon + 1).trim());
      }
      Request request = new Request(requestLine.split(" ")[1], headers);
      requests.add(request);
      handler.handle(request, socket, socket.getOutputStream());
    } catch (Exception e) {
      // the client went away or the test's handler ended the connection on purpose
    }
  }

  public int port() {
    return server.getLocalPort();
  }

  public String url(String path) {
    return scheme + "://127.0.0.1:" + port() + path;
  }

  public int connections() {
    return connections.get();
  }

  public List<Request> requests() {
    return requests;
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : open) {
      socket.close();
    }
  }

  public static void respond(OutputStream out, int status, byte[] body, String... headers) throws IOException {
    StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " X\r\nConnection: close\r\n");
    for (String header : headers) {
      head.append(header).append("\r\n");
    }
    if (body != null) {
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    if (body != null) {
      out.write(body);
    }
    out.flush();
  }

  public static void redirect(OutputStream out, int status, String location) throws IOException {
    respond(out, status, new byte[0], "Location: " + location);
  }

  /** Ends the connection with a TCP reset instead of an orderly close. */
  public static void reset(Socket socket) throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }
}
