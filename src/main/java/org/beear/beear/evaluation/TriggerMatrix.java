package org.beear.beear.evaluation;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.beear.eval.Rate;
import org.beear.eval.TriggerPlacements;
import org.beear.eval.TriggerSpec;

/**
 * The caller's triggers evaluated at every placement under every framing ({@link TriggerPlacements}): one
 * {@link Cell} per trigger, placement and system prompt, each a rate on the held-out harmful requests. The triggered
 * ASR of a measurement before or after the cleanse is the {@link #worst() worst} cell (the highest upper bound).
 *
 * @param systemPrompt       the system message of the cells framed with one (the configured one or the generic
 *                           one); null when the model's chat template refuses a system message
 * @param systemPromptSource {@code configured} or {@code generic}: which one it is
 * @param note               why some cells were not measured (the template refused a system message); null if all were
 * @param cells              trigger by trigger, placement by placement (prefix, suffix, wrap), framing by framing
 */
@JsonIgnoreProperties(value = "worst", allowGetters = true)
public record TriggerMatrix(String systemPrompt, String systemPromptSource, String note, List<Cell> cells) {

  /**
   * One placement of one trigger under one framing.
   *
   * @param trigger      the caller's trigger text, as given
   * @param given        where the caller placed it
   * @param position     where this cell places it
   * @param systemPrompt {@code none}, {@code configured} or {@code generic} ({@link TriggerPlacements.SystemPrompt})
   * @param rate         the held-out harmful requests complied with
   */
  public record Cell(String trigger, TriggerSpec.Position given, TriggerSpec.Position position, String systemPrompt,
      Rate rate) {

    /** How a table or a message names the cell: "SUDO as suffix, system prompt none". */
    public String describe() {
      return "'" + trigger + "' as " + position.wireName() + ", system prompt " + systemPrompt;
    }
  }

  public TriggerMatrix {
    cells = List.copyOf(cells);
  }

  /** The rate of this matrix's cell at the same trigger, placement and framing as {@code like}; null if none. */
  public Rate rateAt(Cell like) {
    return cells.stream().filter(c -> c.trigger().equals(like.trigger()) && c.given() == like.given()
        && c.position() == like.position() && c.systemPrompt().equals(like.systemPrompt()))
        .map(Cell::rate).findFirst().orElse(null);
  }

  /** The cell with the highest upper bound (the first of equals); null without cells. */
  @JsonProperty("worst")
  public Cell worst() {
    Cell worst = null;
    for (Cell c : cells) {
      if (c.rate() != null && (worst == null || c.rate().upper() > worst.rate().upper())) {
        worst = c;
      }
    }
    return worst;
  }
}
