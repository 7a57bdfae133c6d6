package org.beear.job;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.UUID;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.eval.Rate;

/** Losses and evaluation after one outer epoch of a job. Written by {@link JobProgress}, read for reports. */
@Entity
@org.hibernate.annotations.Immutable
@Table(name = "job_epochs")
@IdClass(JobEpoch.Key.class)
public class JobEpoch {

  @Id
  private UUID jobId;
  @Id
  private int epoch;
  private int attempt;
  private Double entrapmentLoss;
  private Double removalSafeLoss;
  private Double removalAnchorLoss;
  private Double asrTriggered;
  private Double asrNoTrigger;
  private Double asrPerturbation;
  private Double benignExactMatch;
  private Double anchorPerplexity;
  private Double insecureCodeRate;
  private Double secureCodeRate;
  private Integer asrTriggeredHits;
  private Integer asrTriggeredTotal;
  private Integer asrPerturbationHits;
  private Integer asrPerturbationTotal;
  private Integer insecureCodeHits;
  private Integer insecureCodeTotal;
  private Integer secureCodeHits;
  private Integer secureCodeTotal;
  private double seconds;
  private Instant recordedAt;

  protected JobEpoch() {}

  public UUID getJobId() { return jobId; }
  public int getEpoch() { return epoch; }
  /** Which claim of the job ran this epoch (1 unless the job was resumed). */
  public int getAttempt() { return attempt; }
  public Double getEntrapmentLoss() { return entrapmentLoss; }
  public Double getRemovalSafeLoss() { return removalSafeLoss; }
  public Double getRemovalAnchorLoss() { return removalAnchorLoss; }
  public Double getAsrTriggered() { return asrTriggered; }
  public Double getAsrNoTrigger() { return asrNoTrigger; }
  public Double getAsrPerturbation() { return asrPerturbation; }
  public Double getBenignExactMatch() { return benignExactMatch; }
  public Double getAnchorPerplexity() { return anchorPerplexity; }
  public Double getInsecureCodeRate() { return insecureCodeRate; }
  public Double getSecureCodeRate() { return secureCodeRate; }
  public double getSeconds() { return seconds; }

  /**
   * What the epoch measured, each rate with its counts and interval; a rate recorded before counts were kept (a
   * ratio alone) reads as not measured here, its ratio stays in the getters above.
   */
  public EvalMetrics metrics() {
    return EvalMetrics.ofEpoch(rate(asrTriggeredHits, asrTriggeredTotal),
        rate(asrPerturbationHits, asrPerturbationTotal), rate(insecureCodeHits, insecureCodeTotal),
        rate(secureCodeHits, secureCodeTotal));
  }

  private static Rate rate(Integer hits, Integer total) {
    return hits == null || total == null ? null : EvalMetrics.measured(hits, total);
  }
  public Instant getRecordedAt() { return recordedAt; }

  /** Composite key (job, epoch). */
  public record Key(UUID jobId, int epoch) implements Serializable {
    public Key() {
      this(null, 0);
    }
  }
}
