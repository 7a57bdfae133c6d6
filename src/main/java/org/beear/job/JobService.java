package org.beear.job;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.beear.beear.CleanseEngine;
import org.beear.beear.CleansePlan;
import org.beear.beear.settings.BeearOptions;
import org.beear.net.UriRedaction;
import org.beear.options.InvalidOptionsException;
import org.beear.plan.DeviceSpec;
import org.beear.source.AllowedRoots;
import org.beear.source.ModelSources;
import org.beear.source.ShownPaths;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;
import org.springframework.stereotype.Service;

/**
 * Reading and cancelling jobs, and planning a cleanse without submitting it ({@link JobSubmissions} queues new
 * jobs). Every job belongs to a tenant; a caller sees only its own tenant's jobs, and another tenant's job is "not
 * found" like one that does not exist. Reads by kind treat a job of the other kind the same way.
 */
@Service
public class JobService {

  private final JobRepository jobs;
  private final JobEventRepository eventReads;
  private final JobEpochRepository epochs;
  private final JobStore store;
  private final ModelSources sources;
  private final CleanseEngine engine;
  private final ApplicationEventPublisher publisher;
  private final WorkerDevices devices;
  private final JobAdmission admission;
  private final AllowedRoots roots;

  public JobService(JobRepository jobs, JobEventRepository eventReads, JobEpochRepository epochs, JobStore store,
      ModelSources sources, CleanseEngine engine, ApplicationEventPublisher publisher, WorkerDevices devices,
      JobAdmission admission, AllowedRoots roots) {
    this.jobs = jobs;
    this.eventReads = eventReads;
    this.epochs = epochs;
    this.store = store;
    this.sources = sources;
    this.engine = engine;
    this.publisher = publisher;
    this.devices = devices;
    this.admission = admission;
    this.roots = roots;
  }

  /**
   * The settings and memory plan of a cleanse without submitting it: for a local model (file://) the tenant may
   * read, as a submission would, or a config.json given as text, on the workers' device or the one given.
   */
  public CleansePlan plan(String tenant, String modelUri, String configJson, BeearOptions options,
      DeviceSpec device) {
    List<FieldProblem> problems = new ArrayList<>();
    admission.checkUri(problems, "model_uri", modelUri);
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
    FieldChecks.addOptionErrors(problems, options.validate());
    if ((modelUri == null || modelUri.isBlank()) == (configJson == null)) {
      problems.add(new FieldProblem("model_uri", "give either model_uri (a file:// model) or config (its config.json)"));
    }
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
    DeviceSpec target;
    try {
      target = device != null ? device : devices.forOptions(options);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(List.of(new FieldProblem("options.device", e.getMessage())));
    }
    if (configJson != null) {
      return plan(() -> engine.plan(configJson, options, target), "config", roots.shownPaths());
    }
    Optional<Path> local = FieldChecks.check(problems, "model_uri", () -> sources.check(modelUri, tenant));
    if (local == null || local.isEmpty()) {
      throw new InvalidRequestException(problems.isEmpty() ? List.of(new FieldProblem("model_uri",
          "a plan needs the model's config.json at hand: a file:// model, or the config itself in 'config'"))
          : problems);
    }
    String shown = UriRedaction.redact(modelUri.trim());
    return plan(() -> engine.plan(local.get(), options, target), "options",
        roots.shownPaths().with(local.get(), shown).keep(shown));
  }

  /** A plan, or its problems on their fields with the model's local paths shown as the caller's URI. */
  private static CleansePlan plan(Supplier<CleansePlan> planner, String field, ShownPaths shown) {
    try {
      return planner.get();
    } catch (InvalidOptionsException e) {
      throw new InvalidRequestException(FieldChecks.withPathsShown(FieldChecks.optionProblems(e), shown));
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(List.of(new FieldProblem(field, shown.in(e.getMessage()))));
    }
  }

  /** The tenant's job of this kind; another tenant's job, or one of the other kind, is not found. */
  public Job get(String tenant, JobKind kind, String id) {
    return jobs.findByIdAndTenantAndKind(parseId(id), tenant, kind).orElseThrow(() -> new JobNotFoundException(id));
  }

  /** The tenant's job of either kind. */
  public Job get(String tenant, String id) {
    return jobs.findByIdAndTenant(parseId(id), tenant).orElseThrow(() -> new JobNotFoundException(id));
  }

  /** The tenant's jobs of one kind, newest first, optionally only one status. */
  public Page<Job> list(String tenant, JobKind kind, JobStatus status, int page, int size) {
    PageRequest request = PageRequest.of(page, size, Sort.by(Sort.Order.desc("createdAt"), Sort.Order.desc("id")));
    return status == null ? jobs.findByTenantAndKind(tenant, kind, request)
        : jobs.findByTenantAndKindAndStatus(tenant, kind, status, request);
  }

  public List<JobEvent> events(String tenant, JobKind kind, String id) {
    return eventReads.findByJobIdOrderByIdAsc(get(tenant, kind, id).getId());
  }

  public List<JobEvent> eventsAfter(UUID jobId, long afterEventId) {
    return eventReads.findByJobIdAndIdGreaterThanOrderByIdAsc(jobId, afterEventId);
  }

  public List<JobEpoch> epochs(UUID jobId) {
    return epochs.findByJobIdOrderByEpochAsc(jobId);
  }

  /**
   * A queued job is cancelled at once; a running one is flagged and its worker stops within one step.
   *
   * @throws JobConflictException when the job already finished
   */
  public Cancellation cancel(String tenant, JobKind kind, String id) {
    get(tenant, kind, id);
    return cancel(tenant, id);
  }

  /** {@link #cancel(String, JobKind, String)} for a job of either kind. */
  public Cancellation cancel(String tenant, String id) {
    UUID jobId = get(tenant, id).getId();
    // The job may move between our checks (claimed, or re-queued by the reaper); each step is a guarded update.
    for (int tries = 0; tries < 5; tries++) {
      if (store.cancelQueued(jobId)) {
        return new Cancellation(get(tenant, id), false);
      }
      if (store.requestCancel(jobId)) {
        publisher.publishEvent(new JobCancelRequested(jobId));
        // the worker may already have stopped by now; the caller still asked a running job to stop
        return new Cancellation(get(tenant, id), true);
      }
      Job now = get(tenant, id);
      if (now.getStatus().isTerminal()) {
        throw new JobConflictException("job " + id + " already " + now.getStatus().wireName()
            + "; only queued or running jobs can be cancelled");
      }
    }
    throw new JobConflictException("job " + id + " kept changing state; try again");
  }

  /**
   * What a cancel did: a queued job is cancelled at once; a running one is asked to stop after its current step
   * ({@code requested}), and {@code job} is its state right after asking.
   */
  public record Cancellation(Job job, boolean requested) {}

  private static UUID parseId(String id) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw new JobNotFoundException(id);
    }
  }
}
