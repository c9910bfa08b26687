package dev.laneway.executor;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Who tokenises, and when: the tokenizer stage's two pure decisions. */
class TokenizerStageTest {
  @Test
  void tokenizeAtOnce_whenMoreWaitThanIdleInstancesTake_andLessThanABatchIsReadyAhead() {
    assertTrue(TokenizerStage.tokenizeAtOnce(1, 0, 0, 16), "busy lane, nothing ready: at once");
    assertFalse(TokenizerStage.tokenizeAtOnce(1, 1, 0, 16), "an idle instance tokenises it itself");
    assertTrue(TokenizerStage.tokenizeAtOnce(2, 1, 0, 16), "more waiting than idle instances");
    assertTrue(TokenizerStage.tokenizeAtOnce(1, 0, 15, 16), "less than a batch ready ahead");
    assertFalse(TokenizerStage.tokenizeAtOnce(1, 0, 16, 16), "a full batch ready ahead: wait for the bulk pass");
  }

  @Test
  void tokenizeInBulk_whenRequestsWait_andNoInstanceIsIdle() {
    assertTrue(TokenizerStage.tokenizeInBulk(3, 0));
    assertFalse(TokenizerStage.tokenizeInBulk(0, 0), "nothing waits");
    assertFalse(TokenizerStage.tokenizeInBulk(3, 1), "an idle instance takes it");
  }
}
