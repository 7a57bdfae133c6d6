package org.beear.job;

import static org.beear.job.FieldChecks.check;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.beear.beear.CleanseEngine;
import org.beear.beear.CleansePlan;
import org.beear.beear.scan.BackdoorScanner;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.CleanseSettings;
import org.beear.eval.PromptText;
import org.beear.eval.TriggerSpec;
import org.beear.net.UriRedaction;
import org.beear.options.InvalidOptionsException;
import org.beear.security.BeearSecurityProperties;
import org.beear.security.SecretSealer;
import org.beear.source.AllowedRoots;
import org.beear.source.DataFiles;
import org.beear.source.ModelSources;
import org.beear.source.OutputLocations;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Validating and queueing new jobs of either kind. Never waits for a worker. Every problem of a request is reported
 * at once (400); a job that cannot fit the workers' device is refused (422); the tenant's limits are kept (429).
 * With an idempotency key, a repeat of the same request within the idempotency TTL returns the job the first one
 * created, and the same key with a different request is refused; keys are the tenant's own, and after the TTL a
 * key is free again. A replay creates nothing and is never refused for the tenant's limits; a refusal binds no key.
 */
@Service
public class JobSubmissions {

  /** @param created false when an idempotent replay returned an existing job */
  public record Submitted(Job job, boolean created) {}

  private final JobRepository jobs;
  private final JobStore store;
  private final JobJson json;
  private final ModelSources sources;
  private final OutputLocations outputs;
  private final DataFiles dataFiles;
  private final CleanseEngine engine;
  private final TransactionTemplate tx;
  private final WorkerDevices devices;
  private final ModelUris modelUris;
  private final SecretSealer sealer;
  private final Duration idempotencyTtl;
  private final JobAdmission admission;
  private final AllowedRoots roots;

  public JobSubmissions(JobRepository jobs, JobStore store, JobJson json, ModelSources sources,
      OutputLocations outputs, DataFiles dataFiles, CleanseEngine engine, TransactionTemplate tx,
      WorkerDevices devices, ModelUris modelUris, SecretSealer sealer, BeearSecurityProperties security,
      JobAdmission admission, AllowedRoots roots) {
    this.jobs = jobs;
    this.store = store;
    this.json = json;
    this.sources = sources;
    this.outputs = outputs;
    this.dataFiles = dataFiles;
    this.engine = engine;
    this.tx = tx;
    this.devices = devices;
    this.modelUris = modelUris;
    this.sealer = sealer;
    this.idempotencyTtl = security.idempotencyTtl();
    this.admission = admission;
    this.roots = roots;
  }

  /** Validates and queues a cleanse of the tenant. */
  public Submitted submit(String tenant, JobSubmission submission, String idempotencyKey) {
    String fingerprint = fingerprint(json.write(submission), submission.modelUri(), submission.outputUri(),
        submission.defenderDataUri(), submission.anchoringDataUri());
    Optional<Submitted> replayed = replay(tenant, idempotencyKey, fingerprint);
    if (replayed.isPresent()) {
      return replayed.get();
    }
    List<FieldProblem> oversized = admission.oversized(submission);
    if (!oversized.isEmpty()) {
      throw new InvalidRequestException(oversized);
    }
    UUID id = UUID.randomUUID();
    List<FieldProblem> problems = new ArrayList<>();
    Optional<Path> localModel = checkModel("model_uri", submission.modelUri(), tenant, problems);
    URI output = check(problems, "output_uri", () -> outputs.resolve(submission.outputUri(), id, tenant));
    check(problems, "defender_data_uri", () -> dataFiles.resolve(submission.defenderDataUri(), tenant));
    check(problems, "anchoring_data_uri", () -> dataFiles.resolve(submission.anchoringDataUri(), tenant));
    FieldChecks.addOptionErrors(problems, submission.options().validate());
    String policy = FieldChecks.policy(problems, submission.policy());
    List<TriggerSpec> triggers = triggers(submission.triggers(), problems);
    CleansePlan plan = problems.isEmpty() && localModel.isPresent()
        ? plan(localModel.get(), submission.options(), problems) : null;
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(FieldChecks.withPathsShown(problems, roots.shownPaths()
          .with(localModel.orElse(null), shown(submission.modelUri()))
          .keep(shown(submission.modelUri()), shown(submission.outputUri()), shown(submission.defenderDataUri()),
              shown(submission.anchoringDataUri()))));
    }
    if (plan != null && !plan.fits()) {
      throw new PlanDoesNotFitException(plan.memory().verdict(), plan.describe());
    }
    requireOutputFree(tenant, output.toString());
    ModelUris.Stored model = modelUris.store(id, submission.modelUri());
    // data sets are file:// only, whose query and user info are never used: redacted, they lose nothing
    Job job = Job.queued(id, tenant, model.shown(), model.sealed(), output.toString(),
        UriRedaction.redact(blankToNull(submission.defenderDataUri())),
        UriRedaction.redact(blankToNull(submission.anchoringDataUri())),
        json.write(submission.options()), json.triggers(triggers),
        plan != null ? plan.settings().schedule().maxEpochs() : CleanseSettings.maxEpochs(submission.options()),
        idempotencyKey, fingerprint, store.now(),
        plan != null ? json.write(plan.settings().toOptions()) : null,
        plan != null ? json.write(JobJson.withoutSettings(plan.describe())) : null).withPolicy(policy);
    return insert(tenant, job, idempotencyKey, fingerprint);
  }

  /**
   * Validates and queues a scan of the tenant. A file:// model (and reference) is checked at once: files, a
   * supported architecture, options that suit it, a reference of the suspect's family; others when the worker
   * fetched them.
   */
  public Submitted submitScan(String tenant, ScanSubmission submission, String idempotencyKey) {
    String fingerprint = fingerprint("scan:" + json.write(submission), submission.modelUri(),
        submission.referenceUri());
    Optional<Submitted> replayed = replay(tenant, idempotencyKey, fingerprint);
    if (replayed.isPresent()) {
      return replayed.get();
    }
    List<FieldProblem> problems = new ArrayList<>();
    admission.checkUri(problems, "model_uri", submission.modelUri());
    admission.checkUri(problems, "reference_uri", submission.referenceUri());
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
    Optional<Path> localModel = checkModel("model_uri", submission.modelUri(), tenant, problems);
    boolean referenced = submission.referenceUri() != null && !submission.referenceUri().isBlank();
    Optional<Path> localReference = referenced
        ? checkModel("reference_uri", submission.referenceUri(), tenant, problems) : Optional.empty();
    FieldChecks.addOptionErrors(problems, submission.options().validate());
    String policy = FieldChecks.policy(problems, submission.policy());
    if (problems.isEmpty() && localModel.isPresent()) {
      checkScanAgainst(localModel.get(), localReference.orElse(null), submission, problems);
    }
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(FieldChecks.withPathsShown(problems, roots.shownPaths()
          .with(localModel.orElse(null), shown(submission.modelUri()))
          .with(localReference.orElse(null), shown(submission.referenceUri()))
          .keep(shown(submission.modelUri()), shown(submission.referenceUri()))));
    }
    UUID id = UUID.randomUUID();
    ModelUris.Stored model = modelUris.store(id, submission.modelUri());
    ModelUris.Stored reference = referenced ? modelUris.storeReference(id, submission.referenceUri()) : null;
    Job job = Job.queuedScan(id, tenant, model.shown(), model.sealed(),
        reference == null ? null : reference.shown(), reference == null ? null : reference.sealed(),
        json.write(submission.options()), idempotencyKey, fingerprint, store.now()).withPolicy(policy);
    return insert(tenant, job, idempotencyKey, fingerprint);
  }

  /** The scan's options must suit the suspect, and a reference must be of the suspect's family. */
  private static void checkScanAgainst(Path model, Path reference, ScanSubmission submission,
      List<FieldProblem> problems) {
    try {
      submission.options().checkAgainst(model);
    } catch (InvalidOptionsException e) {
      problems.addAll(FieldChecks.optionProblems(e));
      return;
    } catch (IllegalArgumentException e) {
      problems.add(new FieldProblem("model_uri", e.getMessage()));
      return;
    }
    if (reference != null) {
      try {
        String mismatch = BackdoorScanner.referenceMismatch(model, reference);
        if (mismatch != null) {
          problems.add(new FieldProblem("reference_uri", mismatch));
        }
      } catch (IllegalArgumentException e) {
        problems.add(new FieldProblem("reference_uri", e.getMessage()));
      }
    }
  }

  /** Inserts the job after the tenant's admission, in one transaction; a lost race resolves to the winner. */
  private Submitted insert(String tenant, Job job, String idempotencyKey, String fingerprint) {
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
        throw outputInUse(tenant, job.getOutputUri());
      }
      // A concurrent request with the same idempotency key won the insert.
      if (e instanceof DataIntegrityViolationException && idempotencyKey != null) {
        Optional<Job> winner = jobs.findByTenantAndIdempotencyKey(tenant, idempotencyKey);
        if (winner.isPresent()) {
          return replay(winner.get(), idempotencyKey, fingerprint);
        }
      }
      throw e;
    }
    store.queuedCommitted();
    return new Submitted(job, true);
  }

  /** The job an earlier request with this key created, unless the key expired (then it is freed). */
  private Optional<Submitted> replay(String tenant, String idempotencyKey, String fingerprint) {
    if (idempotencyKey == null) {
      return Optional.empty();
    }
    Optional<Job> existing = jobs.findByTenantAndIdempotencyKey(tenant, idempotencyKey);
    if (existing.isPresent() && isExpired(existing.get())) {
      store.releaseIdempotencyKey(existing.get().getId());
      return Optional.empty();
    }
    return existing.map(job -> replay(job, idempotencyKey, fingerprint));
  }

  private Submitted replay(Job existing, String key, String fingerprint) {
    if (!fingerprint.equals(existing.getRequestFingerprint())) {
      throw new IdempotencyKeyReusedException(key, existing.getId().toString());
    }
    return new Submitted(existing, false);
  }

  private boolean isExpired(Job job) {
    return job.getCreatedAt().plus(idempotencyTtl).isBefore(store.now());
  }

  /**
   * Two active jobs never write one output location: the second is refused (409). Only a job of the caller's own
   * tenant is named. The unique index {@code jobs_active_output} settles a race between two submissions.
   */
  private void requireOutputFree(String tenant, String output) {
    if (jobs.existsByOutputUriAndStatusIn(output, EnumSet.of(JobStatus.QUEUED, JobStatus.RUNNING))) {
      throw outputInUse(tenant, output);
    }
  }

  private JobConflictException outputInUse(String tenant, String output) {
    String holder = jobs.findFirstByOutputUriAndTenantAndStatusIn(output, tenant,
            EnumSet.of(JobStatus.QUEUED, JobStatus.RUNNING))
        .map(j -> " (job " + j.getId() + ")").orElse("");
    return new JobConflictException("output_uri " + UriRedaction.redact(output)
        + " is the output location of a job that is still queued or running" + holder
        + "; choose another output_uri or wait for that job to end");
  }

  private static boolean violated(RuntimeException e, String constraint) {
    Throwable cause = ((DataIntegrityViolationException) e).getMostSpecificCause();
    return cause != null && String.valueOf(cause.getMessage()).contains(constraint);
  }

  /** The model's local directory when it has one (file:// models the tenant may read) and it is a usable model. */
  private Optional<Path> checkModel(String field, String modelUri, String tenant, List<FieldProblem> problems) {
    Optional<Path> local = check(problems, field, () -> sources.check(modelUri, tenant));
    if (local != null && local.isPresent()) {
      try {
        engine.validateModel(local.get());
        return local;
      } catch (IllegalArgumentException e) {
        problems.add(new FieldProblem(field, e.getMessage()));
      }
    }
    return Optional.empty();
  }

  /** The job's settings and memory plan for the workers' device; null with a problem when the options do not suit. */
  private CleansePlan plan(Path modelDir, BeearOptions options, List<FieldProblem> problems) {
    try {
      return engine.plan(modelDir, options, devices.forOptions(options));
    } catch (InvalidOptionsException e) {
      problems.addAll(FieldChecks.optionProblems(e));
      return null;
    } catch (IllegalArgumentException e) {
      problems.add(new FieldProblem("options", e.getMessage()));
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
      String controlCharacter = PromptText.controlCharacterProblem(t.text());
      if (controlCharacter != null) {
        problems.add(new FieldProblem(field + ".text", "trigger text " + controlCharacter));
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

  /**
   * What tells a replay from a different request under the same key; a scan's request text starts with "scan:", so
   * a cleanse and a scan are never the same request. A request with secrets in a URI gets a keyed digest, so the stored
   * fingerprint cannot be used to guess them; others keep the plain digest they always had.
   */
  private String fingerprint(String request, String... uris) {
    for (String uri : uris) {
      if (UriRedaction.hasSecrets(uri)) {
        return "hmac:" + sealer.fingerprint(request);
      }
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(request.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A URI the caller sent as messages echo it: trimmed and redacted; null when there is none. */
  private static String shown(String uri) {
    return uri == null || uri.isBlank() ? null : UriRedaction.redact(uri.trim());
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
