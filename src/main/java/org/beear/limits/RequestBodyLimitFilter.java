package org.beear.limits;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses request bodies over {@code beear.limits.max-request-body} with 413. A declared Content-Length over the
 * limit is refused before anything is read; every other body (chunked, or with a Content-Length that lies) is
 * counted as it is read, and reading stops with {@link RequestBodyTooLargeException} at the first byte too many.
 */
final class RequestBodyLimitFilter extends OncePerRequestFilter {

  static final String TITLE = "Request body too large";

  private final long maxBytes;
  private final String detail;
  private final ObjectMapper mapper;

  RequestBodyLimitFilter(LimitsProperties limits, ObjectMapper mapper) {
    this.maxBytes = limits.maxRequestBody().toBytes();
    this.detail = "request body larger than " + limits.maxRequestBodyText();
    this.mapper = mapper;
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    if (request.getContentLengthLong() > maxBytes) {
      Map<String, Object> problem = new LinkedHashMap<>();
      problem.put("type", "about:blank");
      problem.put("title", TITLE);
      problem.put("status", HttpStatus.PAYLOAD_TOO_LARGE.value());
      problem.put("detail", detail);
      problem.put("instance", request.getRequestURI());
      response.setStatus(HttpStatus.PAYLOAD_TOO_LARGE.value());
      response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
      mapper.writeValue(response.getOutputStream(), problem);
      return;
    }
    chain.doFilter(new LimitedBodyRequest(request), response);
  }

  /** The request with its body counted as it is read. */
  private final class LimitedBodyRequest extends HttpServletRequestWrapper {

    private ServletInputStream body;

    LimitedBodyRequest(HttpServletRequest request) {
      super(request);
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (body == null) {
        body = new CountingInputStream(super.getInputStream());
      }
      return body;
    }

    @Override
    public BufferedReader getReader() throws IOException {
      String encoding = getCharacterEncoding();
      Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
      return new BufferedReader(new InputStreamReader(getInputStream(), charset));
    }
  }

  private final class CountingInputStream extends ServletInputStream {

    private final ServletInputStream in;
    private long count;

    CountingInputStream(ServletInputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        counted(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = in.read(buffer, offset, length);
      if (n > 0) {
        counted(n);
      }
      return n;
    }

    private void counted(int n) throws RequestBodyTooLargeException {
      count += n;
      if (count > maxBytes) {
        throw new RequestBodyTooLargeException(detail);
      }
    }

    @Override
    public boolean isFinished() {
      return in.isFinished();
    }

    @Override
    public boolean isReady() {
      return in.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
      in.setReadListener(listener);
    }
  }
}
