package org.beear.app;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Zero-setup default: with no {@code spring.datasource.url}, run PostgreSQL inside the data directory. The data
 * survives restarts; pointing {@code SPRING_DATASOURCE_URL} at a real server switches this off.
 *
 * <p>The server is a process of its own: when the service is killed (SIGKILL, the kernel's OOM killer) it keeps
 * running on the data directory, and a plain restart would fail to start a second one there. So the service holds
 * a lock on {@code <data-dir>/postgres.lock} for as long as it lives; whoever gets the lock knows that the previous
 * owner is dead, and stops the server it left behind (see {@link OrphanedPostmaster}) before starting its own.
 * Commits are synchronous (the library's default is not), so an acknowledged submission survives a crash of the
 * whole machine.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(EmbeddedPostgresConfiguration.NoDatasourceUrl.class)
public class EmbeddedPostgresConfiguration {

  /** One server per data directory per JVM, so cached Spring contexts (tests) share it instead of racing. */
  private static final Map<Path, EmbeddedPostgres> SERVERS = new HashMap<>();

  @Bean(destroyMethod = "close")
  HikariDataSource dataSource(BeearProperties properties) {
    EmbeddedPostgres server = serverFor(properties.dataDir().resolve("postgres"));
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(server.getJdbcUrl("postgres", "postgres"));
    config.setMaximumPoolSize(20);
    config.setPoolName("beear-embedded");
    return new HikariDataSource(config);
  }

  static synchronized EmbeddedPostgres serverFor(Path directory) {
    Path key = directory.toAbsolutePath().normalize();
    return SERVERS.computeIfAbsent(key, dir -> {
      try {
        Files.createDirectories(dir);
        OrphanedPostmaster.ownDataDirectory(dir);
        // The shutdown hook stops the server when the JVM exits; contexts come and go before that.
        return EmbeddedPostgres.builder()
            .setDataDirectory(dir)
            .setCleanDataDirectory(false)
            .setRegisterShutdownHook(true)
            .setServerConfig("synchronous_commit", "on")
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the embedded PostgreSQL in " + dir + ": " + e.getMessage(),
            e);
      }
    });
  }

  /** Matches when no external database is configured. */
  static class NoDatasourceUrl implements Condition {
    /** Whether this process runs the embedded database: no external one is configured. */
    static boolean embedded(org.springframework.core.env.Environment environment) {
      return !StringUtils.hasText(environment.getProperty("spring.datasource.url"));
    }

    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
      return embedded(context.getEnvironment());
    }
  }
}
