package org.beear.app;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

/**
 * A stand-in OpenID provider on loopback: it serves its signing key at a JWK set URI, as a real provider does, and
 * mints tokens signed with it (or with a key it does not publish).
 */
public final class TestIssuer {
  public static final String AUDIENCE = "beear-api";

  private final RSAKey key = generate("published");
  private final RSAKey unpublished = generate("unpublished");
  private final HttpServer server;

  public TestIssuer() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    server.createContext("/jwks.json", exchange -> {
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, jwks.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(jwks);
      }
    });
    server.start();
  }

  public String issuer() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/issuer";
  }

  public String jwkSetUri() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json";
  }

  /** A valid token of this issuer for the beear audience, with the given extra claims. */
  public String token(Map<String, Object> claims) {
    return sign(key, claims(issuer(), AUDIENCE, claims));
  }

  public String token(String issuer, String audience, Map<String, Object> claims) {
    return sign(key, claims(issuer, audience, claims));
  }

  /** Signed with a key the issuer does not publish. */
  public String forgedToken(Map<String, Object> claims) {
    return sign(unpublished, claims(issuer(), AUDIENCE, claims));
  }

  private static JWTClaimsSet claims(String issuer, String audience, Map<String, Object> extra) {
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(issuer).audience(audience).subject("alice")
        .issueTime(new Date()).expirationTime(Date.from(Instant.now().plusSeconds(600)));
    extra.forEach(claims::claim);
    return claims.build();
  }

  private static String sign(RSAKey key, JWTClaimsSet claims) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
      jwt.sign(new RSASSASigner(key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static RSAKey generate(String id) {
    try {
      return new RSAKeyGenerator(2048).keyID(id).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
