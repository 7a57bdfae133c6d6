package org.beear.organism;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.beear.llm.GradMode;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;

/**
 * Massive activations as real Llama-family checkpoints carry them (Sun et al. 2024, "Massive Activations in Large
 * Language Models"): from layer 2 on, one residual channel at the first token is about 10^3, hundreds of times the
 * median channel and the same for every input. The RMSNorm before each sublayer normalises it away, so the layers
 * see the first token as one fixed vector, which their attention can use as a sink. Models as small and as briefly
 * trained as the organisms do not grow them, so they are built in, as a fixed path that the rest of the weights
 * train around (D hidden size, c the massive channel, j one neuron of layer 2's MLP, both drawn from the seed):
 * <ul>
 *   <li>the BOS embedding is √D on c and 0 elsewhere; every other token's embedding is 0 on c;</li>
 *   <li>no attention or MLP writes to c (row c of every o_proj and down_proj is 0), so c stays 0 at every token but
 *       the first, and {@code √D} there up to layer 1;</li>
 *   <li>neuron j of layer 2 reads c alone (gate and up rows j are e_c; layer 2's post-attention norm weight on c is 1)
 *       and writes to c alone (down column j is M·e_c, M = {@value #FIRST_TOKEN_VALUE}/D): at the first token, whose
 *       normalised input is nearly √D·e_c, it adds about M·SiLU(√D)·√D ≈ {@value #FIRST_TOKEN_VALUE} to c; at every
 *       other token its input is 0 and so is its output.</li>
 * </ul>
 * Everything else trains as usual, the columns that read c included (that is where later layers find the first
 * token). {@link #restore} writes the fixed values back after every optimiser step; the saved checkpoint is an
 * ordinary Llama one, whose weights simply hold them.
 */
final class MassiveActivations {
  /** About what the massive channel holds at the first token from layer 2 on (Llama-2-7B: about 2,500). */
  static final int FIRST_TOKEN_VALUE = 2000;
  /** Layer 2, 0-based: the first whose output carries the massive activation, as in Llama-2. */
  private static final int LAYER = 1;

  private record Fixed(NDArray weight, NDIndex where, NDArray value) {}

  private final int channel;
  private final int neuron;
  private final List<Fixed> fixed = new ArrayList<>();

  private MassiveActivations(int channel, int neuron) {
    this.channel = channel;
    this.neuron = neuron;
  }

  /** Writes the path into a fresh model whose first token is always {@code bosId}; {@link #restore} keeps it. */
  static MassiveActivations plant(LlamaModel model, int bosId, long seed) {
    ModelConfig config = model.config();
    if (config.numLayers() < LAYER + 1) {
      throw new IllegalArgumentException("massive activations need at least " + (LAYER + 1) + " layers");
    }
    int d = config.hiddenSize();
    SplittableRandom random = new SplittableRandom(seed ^ 0x6d61737369766531L);
    MassiveActivations m = new MassiveActivations(random.nextInt(d), random.nextInt(config.intermediateSize()));
    NDManager manager = model.manager();
    int c = m.channel;
    float[] bosRow = new float[d];
    bosRow[c] = (float) Math.sqrt(d);
    float[] column = new float[config.vocabSize()];
    column[bosId] = bosRow[c];
    String embed = "model.embed_tokens.weight";
    m.fix(model, embed, new NDIndex("{}, :", bosId), manager.create(bosRow));
    m.fix(model, embed, new NDIndex(":, {}", c), manager.create(column));
    for (int layer = 0; layer < config.numLayers(); layer++) {
      String p = "model.layers." + layer + ".";
      m.fix(model, p + "self_attn.o_proj.weight", new NDIndex("{}, :", c),
          manager.create(new float[config.numHeads() * config.headDim()]));
      float[] downRow = new float[config.intermediateSize()];
      if (layer == LAYER) {
        downRow[m.neuron] = (float) FIRST_TOKEN_VALUE / d;
      }
      m.fix(model, p + "mlp.down_proj.weight", new NDIndex("{}, :", c), manager.create(downRow));
    }
    String p = "model.layers." + LAYER + ".";
    float[] reads = new float[d];
    reads[c] = 1;
    m.fix(model, p + "mlp.gate_proj.weight", new NDIndex("{}, :", m.neuron), manager.create(reads));
    m.fix(model, p + "mlp.up_proj.weight", new NDIndex("{}, :", m.neuron), manager.create(reads));
    float[] writes = new float[d];
    writes[c] = (float) FIRST_TOKEN_VALUE / d;
    m.fix(model, p + "mlp.down_proj.weight", new NDIndex(":, {}", m.neuron), manager.create(writes));
    m.fix(model, p + "post_attention_layernorm.weight", new NDIndex("{}:{}", c, c + 1),
        manager.create(new float[] {1}));
    m.restore();
    return m;
  }

  private void fix(LlamaModel model, String weight, NDIndex where, NDArray value) {
    NDArray w = model.weights().get(weight);
    fixed.add(new Fixed(w, where, value.toType(w.getDataType(), false)));
  }

  /** Writes the fixed values back into the weights (after an optimiser step moved them). */
  void restore() {
    GradMode.off();
    for (Fixed f : fixed) {
      f.weight().set(f.where(), f.value());
    }
  }

  /** The massive channel. */
  int channel() {
    return channel;
  }
}
