package org.beear.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.beear.app.BeearProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The keys a fresh installation needs without any setup. With {@code beear.security.bootstrap-key} (a deployment's
 * Secret) that admin key is ensured to exist; otherwise the first start generates one, writes it to the bootstrap
 * key file (mode 0600) and prints it once, and later starts re-register the file's key (a wiped database). No key is
 * generated while an active admin key exists, so replicas on one database do not each mint their own.
 * {@code beear.security.metrics-key} is ensured the same way, with the metrics role, for the Prometheus scrape.
 */
@Component
class BootstrapKeys implements ApplicationRunner {

  private static final Logger log = LoggerFactory.getLogger(BootstrapKeys.class);
  /** pg_advisory_xact_lock id: serialises bootstrapping between replicas starting at once. */
  private static final long LOCK = 0x6265656172L;

  private final BeearSecurityProperties security;
  private final BeearProperties beear;
  private final ApiKeys keys;
  private final JdbcTemplate jdbc;
  private final TransactionTemplate tx;

  BootstrapKeys(BeearSecurityProperties security, BeearProperties beear, ApiKeys keys, JdbcTemplate jdbc,
      TransactionTemplate tx) {
    this.security = security;
    this.beear = beear;
    this.keys = keys;
    this.jdbc = jdbc;
    this.tx = tx;
  }

  @Override
  public void run(ApplicationArguments args) {
    if (!security.enabled()) {
      log.warn("beear.security.enabled=false: every request is served without a key (bound to loopback only)");
      return;
    }
    tx.executeWithoutResult(status -> {
      jdbc.execute("SELECT pg_advisory_xact_lock(" + LOCK + ")");
      if (hasText(security.bootstrapKey())) {
        ensure("beear.security.bootstrap-key", security.bootstrapKey(), "bootstrap-admin", Role.ADMIN);
      } else {
        bootstrapFromFile(security.bootstrapKeyFile(beear.dataDir()));
      }
      if (hasText(security.metricsKey())) {
        ensure("beear.security.metrics-key", security.metricsKey(), "metrics", Role.METRICS);
      }
    });
  }

  private void bootstrapFromFile(Path file) {
    if (Files.isRegularFile(file)) {
      ensure(file.toString(), read(file), "bootstrap-admin", Role.ADMIN);
      return;
    }
    if (keys.hasActiveAdmin()) {
      log.info("admin keys exist; no bootstrap key written to {}", file);
      return;
    }
    if (!security.generateBootstrapKey()) {
      log.warn("no admin key exists and beear.security.generate-bootstrap-key=false here: an API replica or "
          + "beear.security.bootstrap-key must provide one");
      return;
    }
    String secret = ApiKeys.generate();
    keys.insert(secret, "bootstrap-admin", Role.ADMIN, security.bootstrapTenant());
    writeOwnerOnly(file, secret);
    // Shown once, here; afterwards only the file has it.
    log.warn("""

        Generated the bootstrap admin key of tenant '{}' (shown only now; stored in {}, mode 0600):

            {}

        Send it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'; create keys for people and tools with \
        'beear keys create --name NAME --role read|submit|admin|metrics [--tenant T]'.
        """, security.bootstrapTenant(), file.toAbsolutePath(), secret);
  }

  /** Registers a configured key unless it is already there; a key revoked through the API stays revoked. */
  private void ensure(String source, String secret, String name, Role role) {
    if (!ApiKeys.isWellFormed(secret)) {
      throw new IllegalStateException("the key in " + source + " is not an API key: it must be '" + ApiKeys.PREFIX
          + "' followed by at least " + ApiKeys.MIN_PROVIDED_SECRET_LENGTH + " printable characters");
    }
    Optional<ApiKeys.ApiKey> existing = keys.findBySecret(secret);
    if (existing.isEmpty()) {
      keys.insert(secret, name, role, security.bootstrapTenant());
      log.info("registered the {} key from {} ({}...)", role.wireName(), source, secret.substring(0, 11));
    } else if (existing.get().revokedAt() != null) {
      log.warn("the {} key from {} was revoked and stays revoked; configure a new one", role.wireName(), source);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the bootstrap key file " + file, e);
    }
  }

  /** Written to a temporary file created 0600 and moved into place, so the key is never readable by others. */
  static void writeOwnerOnly(Path file, String content) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
          ? Files.createTempFile(dir, ".key", ".tmp",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
          : Files.createTempFile(dir, ".key", ".tmp");
      Files.writeString(tmp, content + "\n");
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the bootstrap key file " + file, e);
    }
  }

  private static boolean hasText(String s) {
    return s != null && !s.isBlank();
  }
}
