package org.beear.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.beear.app.BeearApplication;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Starts the service (REST API, workers, metrics). Spring Boot arguments such as "
        + "--server.port=8081 or --beear.worker.enabled=false are passed through.")
final class ServeCommand implements Callable<Integer> {
  @Unmatched List<String> springArgs = new ArrayList<>();

  @Override
  public Integer call() throws InterruptedException {
    awaitShutdown(SpringApplication.run(BeearApplication.class, springArgs.toArray(String[]::new)));
    return 0;
  }

  /** Blocks until the context closes (SIGTERM, actuator shutdown), so the caller's exit does not cut it short. */
  static void awaitShutdown(ConfigurableApplicationContext context) throws InterruptedException {
    CountDownLatch closed = new CountDownLatch(1);
    context.addApplicationListener(event -> {
      if (event instanceof ContextClosedEvent) {
        closed.countDown();
      }
    });
    if (context.isActive()) {
      closed.await();
    }
  }
}
