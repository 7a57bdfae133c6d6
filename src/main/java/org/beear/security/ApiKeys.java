package org.beear.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * API keys in {@code api_keys}: {@code bk_} and 43 characters of base64url, 256 random bits. Only a SHA-256 of the
 * key is stored. Not bcrypt or another slow hash: those protect guessable passwords, and a 256-bit random key
 * cannot be guessed however fast the hash is; a slow hash would instead cost every request its check, and a
 * salted one could not be looked up by its hash.
 */
@Component
public class ApiKeys {

  public static final String PREFIX = "bk_";
  /** Shortest secret (after {@code bk_}) accepted for a key configured from outside. */
  static final int MIN_PROVIDED_SECRET_LENGTH = 32;
  private static final int DISPLAY_PREFIX_LENGTH = PREFIX.length() + 8;
  /** {@code last_used_at} is written at most this often per key, not on every request. */
  private static final Duration LAST_USED_RESOLUTION = Duration.ofMinutes(1);

  private static final SecureRandom RANDOM = new SecureRandom();

  /** A key as listed: never the key itself. */
  public record ApiKey(UUID id, String prefix, String name, Role role, String tenant, Instant createdAt,
      Instant lastUsedAt, Instant revokedAt) {}

  /** A key just created: the only time its secret is known. */
  public record CreatedKey(ApiKey key, String secret) {}

  private final JdbcTemplate jdbc;
  private final Map<UUID, Instant> lastUsedWritten = new ConcurrentHashMap<>();

  public ApiKeys(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  public static String generate() {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  /** Whether a key configured from outside (bootstrap, metrics) has the shape of a key and enough secret. */
  static boolean isWellFormed(String key) {
    return key != null && key.startsWith(PREFIX) && key.length() - PREFIX.length() >= MIN_PROVIDED_SECRET_LENGTH
        && key.chars().allMatch(c -> c > ' ' && c < 127);
  }

  public CreatedKey create(String name, Role role, String tenant) {
    String secret = generate();
    return new CreatedKey(insert(secret, name, role, tenant), secret);
  }

  /** Stores a key whose secret is given (generated here or configured). */
  ApiKey insert(String secret, String name, Role role, String tenant) {
    UUID id = UUID.randomUUID();
    Instant now = Instant.now();
    jdbc.update("INSERT INTO api_keys (id, key_hash, prefix, name, role, tenant, created_at) "
        + "VALUES (?, ?, ?, ?, ?, ?, ?)",
        id, hash(secret), displayPrefix(secret), name, role.wireName(), tenant, Timestamp.from(now));
    return new ApiKey(id, displayPrefix(secret), name, role, tenant, now, null, null);
  }

  /** The key with this secret, revoked or not. */
  Optional<ApiKey> findBySecret(String secret) {
    return jdbc.query("SELECT * FROM api_keys WHERE key_hash = ?", ApiKeys::row, hash(secret)).stream().findFirst();
  }

  /** The caller a presented key stands for, if the key exists and is not revoked. */
  public Optional<Caller> authenticate(String secret) {
    Optional<ApiKey> key = findBySecret(secret).filter(k -> k.revokedAt() == null);
    key.ifPresent(this::recordUse);
    return key.map(k -> new Caller("key:" + k.prefix() + " (" + k.name() + ")", k.tenant(), Set.of(k.role())));
  }

  public List<ApiKey> list() {
    return jdbc.query("SELECT * FROM api_keys ORDER BY created_at, id", ApiKeys::row);
  }

  public Optional<ApiKey> find(UUID id) {
    return jdbc.query("SELECT * FROM api_keys WHERE id = ?", ApiKeys::row, id).stream().findFirst();
  }

  /** Revokes the key; a key already revoked keeps its first revocation time. */
  public Optional<ApiKey> revoke(UUID id) {
    jdbc.update("UPDATE api_keys SET revoked_at = now() WHERE id = ? AND revoked_at IS NULL", id);
    return find(id);
  }

  boolean hasActiveAdmin() {
    Long n = jdbc.queryForObject("SELECT count(*) FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL",
        Long.class);
    return n != null && n > 0;
  }

  private void recordUse(ApiKey key) {
    Instant now = Instant.now();
    Instant written = lastUsedWritten.get(key.id());
    if (written == null || written.plus(LAST_USED_RESOLUTION).isBefore(now)) {
      lastUsedWritten.put(key.id(), now);
      jdbc.update("UPDATE api_keys SET last_used_at = ? WHERE id = ?", Timestamp.from(now), key.id());
    }
  }

  static String hash(String secret) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String displayPrefix(String secret) {
    return secret.substring(0, Math.min(DISPLAY_PREFIX_LENGTH, secret.length()));
  }

  private static ApiKey row(ResultSet rs, int n) throws SQLException {
    return new ApiKey(rs.getObject("id", UUID.class), rs.getString("prefix"), rs.getString("name"),
        Role.fromWireName(rs.getString("role")).orElseThrow(), rs.getString("tenant"),
        instant(rs, "created_at"), instant(rs, "last_used_at"), instant(rs, "revoked_at"));
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    Timestamp t = rs.getTimestamp(column);
    return t == null ? null : t.toInstant();
  }
}
