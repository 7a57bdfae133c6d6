package org.beear.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.beear.app.BeearProperties;
import org.beear.job.CleanseJob;
import org.beear.job.JobEvent;
import org.beear.job.JobRepository;
import org.beear.job.JobService;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Server-sent event streams of job events. Streams follow the database, not this JVM's memory, so a client
 * connected to an API-only replica sees events written by a worker elsewhere.
 */
@Component
class JobEventStream implements DisposableBean {

  private final JobService jobs;
  private final JobRepository jobRepository;
  private final ObjectMapper mapper;
  private final BeearProperties properties;
  private final ScheduledExecutorService poller = Executors.newScheduledThreadPool(2, r -> {
    Thread t = new Thread(r, "beear-sse");
    t.setDaemon(true);
    return t;
  });

  JobEventStream(JobService jobs, JobRepository jobRepository, ObjectMapper mapper, BeearProperties properties) {
    this.jobs = jobs;
    this.jobRepository = jobRepository;
    this.mapper = mapper;
    this.properties = properties;
  }

  SseEmitter open(CleanseJob job, long afterEventId) {
    UUID jobId = job.getId();
    SseEmitter emitter = new SseEmitter(properties.events().streamTimeout().toMillis());
    AtomicLong last = new AtomicLong(afterEventId);
    AtomicReference<ScheduledFuture<?>> task = new AtomicReference<>();
    Runnable poll = () -> {
      try {
        // Read the status before the events: if the job had ended, its final event is already written.
        boolean ended = jobRepository.findById(jobId).map(j -> j.getStatus().isTerminal()).orElse(true);
        List<JobEvent> fresh = jobs.eventsAfter(jobId, last.get());
        for (JobEvent event : fresh) {
          emitter.send(SseEmitter.event()
              .id(Long.toString(event.getId()))
              .name(event.getType())
              .data(mapper.writeValueAsString(EventView.of(event, mapper)), MediaType.APPLICATION_JSON));
          last.set(event.getId());
        }
        if (ended) {
          stop(task);
          emitter.complete();
        }
      } catch (IOException | IllegalStateException e) {
        stop(task); // the client went away
        emitter.completeWithError(e);
      } catch (RuntimeException e) {
        stop(task);
        emitter.completeWithError(e);
      }
    };
    emitter.onCompletion(() -> stop(task));
    emitter.onTimeout(() -> {
      stop(task);
      emitter.complete();
    });
    emitter.onError(e -> stop(task));
    long every = properties.events().streamPollInterval().toMillis();
    task.set(poller.scheduleWithFixedDelay(poll, 0, every, TimeUnit.MILLISECONDS));
    return emitter;
  }

  private static void stop(AtomicReference<ScheduledFuture<?>> task) {
    ScheduledFuture<?> f = task.get();
    if (f != null) {
      f.cancel(false);
    }
  }

  @Override
  public void destroy() {
    poller.shutdownNow();
  }
}
