package org.beear.job;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.beear.beear.BeearOptions;
import org.beear.beear.CleanseEngine;
import org.beear.beear.CleansePlan;
import org.beear.beear.CleanseSettings;
import org.beear.beear.InvalidOptionsException;
import org.beear.net.UriRedaction;
import org.beear.plan.DeviceSpec;
import org.beear.security.SecretSealer;
import org.beear.security.BeearSecurityProperties;
import org.beear.eval.TriggerSpec;
import org.beear.source.DataFiles;
import org.beear.source.ModelSources;
import org.beear.source.OutputLocations;
import org.beear.source.SourceException;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Submitting, reading and cancelling jobs. Never waits for training: workers pick queued jobs up. Every job belongs
 * to a tenant; a caller sees only its own tenant's jobs, and another tenant's job is "not found" like one that does
 * not exist.
 */
@Service
public class JobService {

  /** @param created false when an idempotent replay returned an existing job */
  public record Submitted(CleanseJob job, boolean created) {}

  private final JobRepository jobs;
  private final JobEventRepository eventReads;
  private final JobEpochRepository epochs;
  private final JobStore store;
  private final JobMetrics metrics;
  private final JobJson json;
  private final ModelSources sources;
  private final OutputLocations outputs;
  private final DataFiles dataFiles;
  private final CleanseEngine engine;
  private final TransactionTemplate tx;
  private final ApplicationEventPublisher publisher;
  private final WorkerDevices devices;
  private final ModelUris modelUris;
  private final SecretSealer sealer;
  private final Duration idempotencyTtl;
  private final JobAdmission admission;

  public JobService(JobRepository jobs, JobEventRepository eventReads, JobEpochRepository epochs,
      JobStore store, JobMetrics metrics, JobJson json, ModelSources sources,
      OutputLocations outputs, DataFiles dataFiles, CleanseEngine engine, TransactionTemplate tx, ApplicationEventPublisher publisher, WorkerDevices devices, ModelUris modelUris,
      SecretSealer sealer, BeearSecurityProperties security, JobAdmission admission) {
    this.jobs = jobs;
    this.eventReads = eventReads;
    this.epochs = epochs;
    this.store = store;
    this.metrics = metrics;
    this.json = json;
    this.sources = sources;
    this.outputs = outputs;
    this.dataFiles = dataFiles;
    this.engine = engine;
    this.tx = tx;
    this.publisher = publisher;
    this.devices = devices;
    this.modelUris = modelUris;
    this.sealer = sealer;
    this.idempotencyTtl = security.idempotencyTtl();
    this.admission = admission;
  }

  /**
   * Validates and queues a job of the tenant. With an idempotency key, a repeat of the same request within the
   * idempotency TTL returns the job the first one created; the same key with a different request is refused. Keys
   * are the tenant's own: another tenant's use of the same key is another job. After the TTL the key is free again.
   * A replay creates nothing and is never refused for the tenant's limits; a refusal (429) binds no key.
   */
  public Submitted submit(String tenant, JobSubmission submission, String idempotencyKey) {
    String fingerprint = fingerprint(submission);
    if (idempotencyKey != null) {
      Optional<CleanseJob> existing = jobs.findByTenantAndIdempotencyKey(tenant, idempotencyKey);
      if (existing.isPresent() && isExpired(existing.get())) {
        store.releaseIdempotencyKey(existing.get().getId());
      } else if (existing.isPresent()) {
        return replay(existing.get(), idempotencyKey, fingerprint);
      }
    }
    List<FieldProblem> oversized = admission.oversized(submission);
    if (!oversized.isEmpty()) {
      throw new InvalidRequestException(oversized);
    }
    UUID id = UUID.randomUUID();
    List<FieldProblem> problems = new ArrayList<>();
    Optional<java.nio.file.Path> localModel = checkModel(submission.modelUri(), problems);
    URI output = check(problems, "output_uri", () -> outputs.resolve(submission.outputUri(), id.toString()));
    check(problems, "defender_data_uri", () -> dataFiles.resolve(submission.defenderDataUri()));
    check(problems, "anchoring_data_uri", () -> dataFiles.resolve(submission.anchoringDataUri()));
    for (String error : submission.options().validate()) {
      problems.add(new FieldProblem("options." + error.substring(0, error.indexOf(' ')), error));
    }
    List<TriggerSpec> triggers = triggers(submission.triggers(), problems);
    CleansePlan plan = problems.isEmpty() && localModel.isPresent()
        ? plan(localModel.get(), submission.options(), problems) : null;
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
    if (plan != null && !plan.fits()) {
      throw new PlanDoesNotFitException(plan.memory().verdict(), plan.describe());
    }
    requireOutputFree(tenant, output.toString());
    ModelUris.Stored model = modelUris.store(id, submission.modelUri());
    // data sets are file:// only, whose query and user info are never used: redacted, they lose nothing
    CleanseJob job = CleanseJob.queued(id, tenant, model.shown(), model.sealed(), output.toString(),
        UriRedaction.redact(blankToNull(submission.defenderDataUri())),
        UriRedaction.redact(blankToNull(submission.anchoringDataUri())),
        json.write(submission.options()), json.triggers(triggers),
        plan != null ? plan.settings().maxEpochs() : CleanseSettings.maxEpochs(submission.options()),
        idempotencyKey, fingerprint, store.now(),
        plan != null ? json.write(plan.settings().toOptions()) : null,
        plan != null ? json.write(JobJson.withoutSettings(plan.describe())) : null);
    boolean[] admitted = {false};
    try {
      tx.executeWithoutResult(status -> {
        admission.admit(tenant);
        admitted[0] = true;
        store.insertQueued(job);
      });
    } catch (RuntimeException e) {
      if (admitted[0]) {
        admission.undo(tenant);
      }
      if (e instanceof DataIntegrityViolationException && violated(e, "jobs_active_output")) {
        throw outputInUse(tenant, output.toString());
      }
      // A concurrent request with the same idempotency key won the insert.
      if (e instanceof DataIntegrityViolationException && idempotencyKey != null) {
        Optional<CleanseJob> winner = jobs.findByTenantAndIdempotencyKey(tenant, idempotencyKey);
        if (winner.isPresent()) {
          return replay(winner.get(), idempotencyKey, fingerprint);
        }
      }
      throw e;
    }
    store.queuedCommitted();
    return new Submitted(job, true);
  }

  /**
   * Two active jobs never write one output location: the second is refused (409). Only a job of the caller's own
   * tenant is named. The unique index {@code jobs_active_output} settles a race between two submissions.
   */
  private void requireOutputFree(String tenant, String output) {
    if (jobs.existsByOutputUriAndStatusIn(output, java.util.EnumSet.of(JobStatus.QUEUED, JobStatus.RUNNING))) {
      throw outputInUse(tenant, output);
    }
  }

  private JobConflictException outputInUse(String tenant, String output) {
    String holder = jobs.findFirstByOutputUriAndTenantAndStatusIn(output, tenant,
            java.util.EnumSet.of(JobStatus.QUEUED, JobStatus.RUNNING))
        .map(j -> " (job " + j.getId() + ")").orElse("");
    return new JobConflictException("output_uri " + UriRedaction.redact(output)
        + " is the output location of a job that is still queued or running" + holder
        + "; choose another output_uri or wait for that job to end");
  }

  private static boolean violated(RuntimeException e, String constraint) {
    Throwable cause = ((DataIntegrityViolationException) e).getMostSpecificCause();
    return cause != null && String.valueOf(cause.getMessage()).contains(constraint);
  }

  private boolean isExpired(CleanseJob job) {
    return job.getCreatedAt().plus(idempotencyTtl).isBefore(store.now());
  }

  private Submitted replay(CleanseJob existing, String key, String fingerprint) {
    if (!fingerprint.equals(existing.getRequestFingerprint())) {
      throw new IdempotencyKeyReusedException(key, existing.getId().toString());
    }
    return new Submitted(existing, false);
  }

  /** The model's local directory when it has one (file:// models) and it is a usable model. */
  private Optional<java.nio.file.Path> checkModel(String modelUri, List<FieldProblem> problems) {
    Optional<java.nio.file.Path> local = check(problems, "model_uri", () -> sources.check(modelUri));
    if (local != null && local.isPresent()) {
      try {
        engine.validateModel(local.get());
        return local;
      } catch (IllegalArgumentException e) {
        problems.add(new FieldProblem("model_uri", e.getMessage()));
      }
    }
    return Optional.empty();
  }

  /** The job's settings and memory plan for the workers' device; null with a problem when the options do not suit. */
  private CleansePlan plan(java.nio.file.Path modelDir, BeearOptions options, List<FieldProblem> problems) {
    try {
      return engine.plan(modelDir, options, devices.forOptions(options));
    } catch (InvalidOptionsException e) {
      problems.addAll(optionProblems(e));
      return null;
    } catch (IllegalArgumentException e) {
      problems.add(new FieldProblem("options", e.getMessage()));
      return null;
    }
  }

  /**
   * The settings and memory plan of a cleanse without submitting it: for a local model (file://) or a config.json
   * given as text, on the workers' device or the one given.
   */
  public CleansePlan plan(String modelUri, String configJson, BeearOptions options, DeviceSpec device) {
    List<FieldProblem> problems = new ArrayList<>();
    admission.checkUri(problems, "model_uri", modelUri);
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
    for (String error : options.validate()) {
      problems.add(new FieldProblem("options." + error.substring(0, error.indexOf(' ')), error));
    }
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
    try {
      if (configJson != null) {
        return engine.plan(configJson, options, target);
      }
      Optional<java.nio.file.Path> local = check(problems, "model_uri", () -> sources.check(modelUri));
      if (local == null || local.isEmpty()) {
        throw new InvalidRequestException(problems.isEmpty() ? List.of(new FieldProblem("model_uri",
            "a plan needs the model's config.json at hand: a file:// model, or the config itself in 'config'"))
            : problems);
      }
      return engine.plan(local.get(), options, target);
    } catch (InvalidOptionsException e) {
      throw new InvalidRequestException(optionProblems(e));
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(List.of(new FieldProblem(configJson != null ? "config" : "options",
          e.getMessage())));
    }
  }

  /** Options that do not suit the model, each on its own field ({@code options.anchor_layer}). */
  private static List<FieldProblem> optionProblems(InvalidOptionsException e) {
    return e.problems().stream().map(p -> new FieldProblem("options." + InvalidOptionsException.option(p), p)).toList();
  }

  private static <T> T check(List<FieldProblem> problems, String field, Supplier<T> check) {
    try {
      return check.get();
    } catch (SourceException e) {
      problems.add(new FieldProblem(field, e.getMessage()));
      return null;
    }
  }

  private static List<TriggerSpec> triggers(List<JobSubmission.Trigger> raw, List<FieldProblem> problems) {
    List<TriggerSpec> triggers = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      JobSubmission.Trigger t = raw.get(i);
      String field = "evaluation.triggers[" + i + "]";
      if (t == null || t.text() == null || t.text().isBlank()) {
        problems.add(new FieldProblem(field + ".text", "trigger text is required"));
        continue;
      }
      if (t.position() == null) {
        problems.add(new FieldProblem(field + ".position", "position is required: prefix, suffix or wrap"));
        continue;
      }
      try {
        triggers.add(new TriggerSpec(t.text(), TriggerSpec.Position.parse(t.position())));
      } catch (IllegalArgumentException e) {
        problems.add(new FieldProblem(field + ".position", e.getMessage()));
      }
    }
    return triggers;
  }

  /** The tenant's job; another tenant's job is not found, as one that does not exist. */
  public CleanseJob get(String tenant, String id) {
    return jobs.findByIdAndTenant(parseId(id), tenant).orElseThrow(() -> new JobNotFoundException(id));
  }

  /** The tenant's jobs, newest first, optionally only one status. */
  public Page<CleanseJob> list(String tenant, JobStatus status, int page, int size) {
    PageRequest request = PageRequest.of(page, size, Sort.by(Sort.Order.desc("createdAt"), Sort.Order.desc("id")));
    return status == null ? jobs.findByTenant(tenant, request) : jobs.findByTenantAndStatus(tenant, status, request);
  }

  public List<JobEvent> events(String tenant, String id) {
    return eventReads.findByJobIdOrderByIdAsc(get(tenant, id).getId());
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
      CleanseJob now = get(tenant, id);
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
  public record Cancellation(CleanseJob job, boolean requested) {}

  private static UUID parseId(String id) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw new JobNotFoundException(id);
    }
  }

  /**
   * What tells a replay from a different request under the same key. A request with secrets in a URI gets a keyed
   * digest, so the stored fingerprint cannot be used to guess them; others keep the plain digest they always had.
   */
  private String fingerprint(JobSubmission submission) {
    String request = json.write(submission);
    if (UriRedaction.hasSecrets(submission.modelUri()) || UriRedaction.hasSecrets(submission.outputUri())
        || UriRedaction.hasSecrets(submission.defenderDataUri())
        || UriRedaction.hasSecrets(submission.anchoringDataUri())) {
      return "hmac:" + sealer.fingerprint(request);
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(request.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
