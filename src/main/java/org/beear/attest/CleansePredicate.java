package org.beear.attest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import org.beear.files.FileDigest;

/**
 * What beear says of a cleansed model (predicate type {@value #TYPE}): where the model came from, how it was
 * cleansed, on what data, judged how, with what result. Written in snake_case.
 *
 * @param source   the suspect model: its URI (secrets shown as {@code ***}), revision and the digests of the files
 *                 read, as report.json's {@code provenance} has them
 * @param settings the resolved options the cleanse ran with, as report.json's {@code options}
 * @param seeds    every seed the run drew from, by the option that sets it
 * @param datasets the data the cleanse trained and measured on, each with the digest of its examples as used
 * @param judge    the judge that read every refusal-based rate
 * @param results  the rates before and after cleansing (the job's {@code metrics})
 * @param policy   the outcome of the policy the cleansed model was checked against; null until beear checks
 *                 policies, and whenever none was given. The one place a policy's verdict goes
 * @param versions beear's, the engine's and the JVM's versions
 */
public record CleansePredicate(
    Source source,
    Map<String, Object> settings,
    Map<String, Long> seeds,
    List<Dataset> datasets,
    Judge judge,
    Results results,
    @JsonInclude(JsonInclude.Include.ALWAYS) Object policy,
    Map<String, String> versions) {

  public static final String TYPE = "https://beear.dev/cleanse/v1";

  /**
   * @param uri           the model URI as submitted, secrets shown as {@code ***}; null when not known
   * @param revision      the commit a {@code hf://} revision resolved to
   * @param archiveSha256 the digest of a downloaded archive
   * @param inputs        the files read (model files, then data files by URI)
   */
  public record Source(String uri, String revision, @JsonProperty("archive_sha256") String archiveSha256,
      List<FileDigest> inputs) {
    public Source {
      inputs = inputs == null ? List.of() : List.copyOf(inputs);
    }
  }

  /**
   * @param name     its part of the run: defender_harmful, defender_hold_out, anchors, anchor_hold_out
   * @param source   "defaults" (beear's documented default data) or the file's URI
   * @param examples how many examples were used
   * @param sha256   hex SHA-256 of the examples as used, written as one JSON array
   */
  public record Dataset(String name, String source, int examples, String sha256) {}

  /**
   * @param name    the option {@code judge}'s value
   * @param version the beear release the judge's rules belong to
   */
  public record Judge(String name, String version) {}

  /** The job's metrics before and after; {@code epochs} run, and whether the loop stopped early. */
  public record Results(Object before, Object after, int epochs, @JsonProperty("early_stopped") boolean earlyStopped) {}

  public CleansePredicate {
    settings = settings == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(
        settings));
    seeds = seeds == null ? Map.of() : Map.copyOf(seeds);
    datasets = datasets == null ? List.of() : List.copyOf(datasets);
    versions = versions == null ? Map.of() : java.util.Collections.unmodifiableMap(
        new java.util.LinkedHashMap<>(versions));
  }

  /** This predicate with a policy's outcome. */
  public CleansePredicate withPolicy(Object outcome) {
    return new CleansePredicate(source, settings, seeds, datasets, judge, results, outcome, versions);
  }
}
