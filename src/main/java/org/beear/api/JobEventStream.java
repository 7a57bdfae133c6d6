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
import org.beear.job.Job;
import org.beear.job.JobEvent;
import org.beear.job.JobRepository;
import org.beear.job.JobService;
import org.beear.limits.EventStreamSlots;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Server-sent event streams of job events. Streams follow the database, not this JVM's memory, so a client
 * connected to an API-only replica sees events written by a worker elsewhere. Each open stream holds one of its
 * tenant's slots ({@code beear.limits.max-event-streams-per-tenant}) until it ends, whichever way it ends.
 */
@Component
class JobEventStream implements DisposableBean {

  private final JobService jobs;
  private final JobRepository jobRepository;
  private final ObjectMapper mapper;
  private final BeearProperties properties;
  private final EventStreamSlots slots;
  private final ScheduledExecutorService poller = Executors.newScheduledThreadPool(2, r -> {
    Thread t = new Thread(r, "beear-sse");
    t.setDaemon(true);
    return t;
  });

  JobEventStream(JobService jobs, JobRepository jobRepository, ObjectMapper mapper, BeearProperties properties,
      EventStreamSlots slots) {
    this.jobs = jobs;
    this.jobRepository = jobRepository;
    this.mapper = mapper;
    this.properties = properties;
    this.slots = slots;
  }

  /**
   * Opens a stream of the job's events after the given one.
   *
   * @throws org.beear.limits.LimitExceededException when the job's tenant has all its streams open
   */
  SseEmitter open(Job job, long afterEventId) {
    EventStreamSlots.Slot slot = slots.acquire(job.getTenant());
    UUID jobId = job.getId();
    SseEmitter emitter = new SseEmitter(properties.events().streamTimeout().toMillis());
    AtomicLong last = new AtomicLong(afterEventId);
    AtomicLong lastWrite = new AtomicLong(System.nanoTime());
    long heartbeat = properties.events().streamHeartbeat().toNanos();
    AtomicReference<ScheduledFuture<?>> task = new AtomicReference<>();
    Runnable end = () -> {
      stop(task);
      slot.release();
    };
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
          lastWrite.set(System.nanoTime());
        }
        if (ended) {
          // freed before the client sees the end, so it can open its next stream at once
          end.run();
          emitter.complete();
        } else if (fresh.isEmpty() && System.nanoTime() - lastWrite.get() >= heartbeat) {
          emitter.send(SseEmitter.event().comment("keep-alive"));
          lastWrite.set(System.nanoTime());
        }
      } catch (IOException | IllegalStateException e) {
        end.run(); // the client went away
        emitter.completeWithError(e);
      } catch (RuntimeException e) {
        end.run();
        emitter.completeWithError(e);
      }
    };
    emitter.onCompletion(end);
    emitter.onTimeout(() -> {
      end.run();
      emitter.complete();
    });
    emitter.onError(e -> end.run());
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
