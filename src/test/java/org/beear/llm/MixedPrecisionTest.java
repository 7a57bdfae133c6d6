package org.beear.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** float16 training with float32 masters and dynamic loss scaling, on CPU with a tiny model. */
class MixedPrecisionTest {

  private static List<SequenceBatch.Example> examples(int vocab, long seed) {
    Random r = new Random(seed);
    List<SequenceBatch.Example> out = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      long[] p = new long[5 + i];
      long[] a = new long[4];
      for (int j = 0; j < p.length; j++) {
        p[j] = r.nextInt(vocab);
      }
      for (int j = 0; j < a.length; j++) {
        a[j] = r.nextInt(vocab);
      }
      out.add(new SequenceBatch.Example(p, a));
    }
    return out;
  }

  /** Trains layers 1..L on one fixed batch for {@code steps} AdamW steps; returns the loss before each step. */
  private static List<Double> train(DataType type, int steps) {
    ModelConfig config = TinyModels.config("gqa-tied");
    List<Double> losses = new ArrayList<>();
    try (LlamaModel model = TinyModels.model(config, TinyModels.randomWeights(config, 5), type)) {
      Map<String, NDArray> working = new LinkedHashMap<>();
      model.layerWeightNames(1, config.numLayers()).forEach(n -> working.put(n, model.weights().get(n)));
      try (TrainableParameters params = new TrainableParameters(working, model.manager());
          SequenceBatch batch = SequenceBatch.of(model.manager(), examples(config.vocabSize(), 3), 0)) {
        Optimizer adam = Optimizer.create(Optimizer.Kind.ADAMW, model.manager(), 3e-3, 0).withGradientClipping(1.0);
        for (int s = 0; s < steps; s++) {
          params.recordGradients(true);
          try (NDManager step = batch.manager().newSubManager()) {
            step.tempAttachAll(batch.inputs().ids());
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
              NDArray loss = batch.loss(model.logits(batch.inputs(), null));
              losses.add((double) loss.getFloat());
              gc.backward(loss.mul(params.lossScale()));
            }
          }
          assertTrue(params.step(adam).applied(), "step " + s);
          params.recordGradients(false);
        }
      }
    }
    return losses;
  }

  @Test
  void float16LossesTrackTheFloat32Run() {
    List<Double> full = train(DataType.FLOAT32, 12);
    List<Double> half = train(DataType.FLOAT16, 12);
    assertTrue(full.get(11) < full.get(0) - 0.3, "float32 run learns: " + full);
    for (int i = 0; i < full.size(); i++) {
      assertEquals(full.get(i), half.get(i), 0.02 * full.get(i), "step " + i + ": " + full + " vs " + half);
    }
  }

  @Test
  void aForcedOverflowSkipsExactlyOneStepAndLowersTheScale() {
    ModelConfig config = TinyModels.config("gqa-tied");
    try (LlamaModel model = TinyModels.model(config, TinyModels.randomWeights(config, 9), DataType.FLOAT16)) {
      Map<String, NDArray> working = new LinkedHashMap<>();
      model.layerWeightNames(1, config.numLayers()).forEach(n -> working.put(n, model.weights().get(n)));
      String probe = "model.layers.0.mlp.up_proj.weight";
      try (TrainableParameters params = new TrainableParameters(working, model.manager());
          SequenceBatch batch = SequenceBatch.of(model.manager(), examples(config.vocabSize(), 4), 0)) {
        Optimizer adam = Optimizer.create(Optimizer.Kind.ADAMW, model.manager(), 1e-3, 0).withGradientClipping(1.0);
        List<TrainableParameters.Step> steps = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
          params.recordGradients(true);
          try (NDManager step = batch.manager().newSubManager()) {
            step.tempAttachAll(batch.inputs().ids());
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
              gc.backward(batch.loss(model.logits(batch.inputs(), null)).mul(params.lossScale()));
            }
            if (s == 1) {
              // an overflow in one element of one gradient, as a too-large loss scale produces in float16
              try (NDArray g = working.get(probe).getGradient()) {
                g.set(new NDIndex("0, 0"), Float.POSITIVE_INFINITY);
              }
            }
          }
          float[] masterBefore = params.masters().get(probe).toFloatArray();
          float[] workingBefore = working.get(probe).toType(DataType.FLOAT32, false).toFloatArray();
          TrainableParameters.Step result = params.step(adam);
          steps.add(result);
          float[] masterAfter = params.masters().get(probe).toFloatArray();
          if (s == 1) {
            assertArrayEquals(masterBefore, masterAfter, "the skipped step leaves the master untouched");
            assertArrayEquals(workingBefore, working.get(probe).toType(DataType.FLOAT32, false).toFloatArray());
            try (NDArray g = working.get(probe).getGradient()) {
              assertEquals(0f, g.abs().sum().toType(DataType.FLOAT32, false).getFloat(), "gradients zeroed");
            }
            params.recordGradients(false);
          } else {
            params.recordGradients(false);
            assertTrue(result.applied(), "step " + s + " " + result);
            assertFalse(java.util.Arrays.equals(masterBefore, masterAfter), "step " + s + " updates");
          }
        }
        assertTrue(steps.get(0).applied());
        assertFalse(steps.get(1).applied());
        assertTrue(steps.get(2).applied());
        assertEquals(1, params.skippedSteps());
        assertEquals(TrainableParameters.INITIAL_LOSS_SCALE, steps.get(1).lossScale());
        assertEquals(TrainableParameters.INITIAL_LOSS_SCALE / 2, steps.get(2).lossScale());
      }
    }
  }

  @Test
  void castsLetGradientsThrough() {
    GradMode.off();
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray half = m.create(new float[] {1, 2, 3}).toType(DataType.FLOAT16, false);
      NDArray full = m.create(new float[] {1, 2, 3});
      half.setRequiresGradient(true);
      full.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray up = Ops.cast(half, DataType.FLOAT32);
        NDArray down = Ops.cast(full, DataType.FLOAT16);
        assertEquals(DataType.FLOAT32, up.getDataType());
        assertEquals(DataType.FLOAT16, down.getDataType());
        gc.backward(up.square().sum().add(Ops.cast(down.square(), DataType.FLOAT32).sum()));
      }
      assertArrayEquals(new float[] {2, 4, 6}, half.getGradient().toType(DataType.FLOAT32, false).toFloatArray());
      assertArrayEquals(new float[] {2, 4, 6}, full.getGradient().toFloatArray());
    }
  }

  @Test
  void growsTheScaleAfterCleanSteps() {
    GradMode.off();
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w = m.create(new float[] {1e-3f, -1e-3f}).toType(DataType.FLOAT16, false);
      try (TrainableParameters params = new TrainableParameters(Map.of("w", w), m, 2)) {
        Optimizer sgd = Optimizer.create(Optimizer.Kind.SGD, m, 0.1, 0);
        double first = params.lossScaleValue();
        for (int i = 0; i < 2; i++) {
          params.recordGradients(true);
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(Ops.cast(w, DataType.FLOAT32).square().sum().mul(params.lossScale()));
          }
          params.step(sgd);
        }
        assertEquals(2 * first, params.lossScaleValue());
        assertNotEquals(1e-3f, w.toType(DataType.FLOAT32, false).toFloatArray()[0]);
      }
    }
  }

  /** One clean step of loss-scaled training of a float16 w with a growth interval of 2. */
  private static void cleanStep(TrainableParameters params, NDArray w, Optimizer sgd) {
    params.recordGradients(true);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      gc.backward(Ops.cast(w, DataType.FLOAT32).square().sum().mul(params.lossScale()));
    }
    assertTrue(params.step(sgd).applied());
    params.recordGradients(false);
  }

  @Test
  void aRestoredScaleStateGrowsTheScaleWhenTheUninterruptedRunWould() {
    GradMode.off();
    try (NDManager m = NDManager.newBaseManager()) {
      Optimizer sgd = Optimizer.create(Optimizer.Kind.SGD, m, 0.1, 0);
      NDArray w = m.create(new float[] {1e-3f, -1e-3f}).toType(DataType.FLOAT16, false);
      TrainableParameters.ScaleState saved;
      try (TrainableParameters params = new TrainableParameters(Map.of("w", w), m, 2)) {
        cleanStep(params, w, sgd);
        saved = params.scaleState(); // one clean step towards the next doubling
      }
      NDArray again = m.create(new float[] {1e-3f, -1e-3f}).toType(DataType.FLOAT16, false);
      try (TrainableParameters params = new TrainableParameters(Map.of("w", again), m, 2)) {
        params.restoreScaleState(new TrainableParameters.ScaleState(1024, saved.cleanSteps(), 3));
        cleanStep(params, again, sgd);
        assertEquals(new TrainableParameters.ScaleState(2048, 0, 3), params.scaleState(),
            "the second clean step in a row doubles the restored scale");
        assertEquals(1024 * 2, params.lossScale().getFloat(), "the array the loss is multiplied by follows");
      }
    }
  }
}
