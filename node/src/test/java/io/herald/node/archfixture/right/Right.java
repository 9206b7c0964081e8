package io.herald.node.archfixture.right;

import io.herald.node.archfixture.left.Left;

/** The other half of the deliberate package cycle of {@code ArchitectureTest}. */
public final class Right {
  public Left left() {
    return new Left();
  }
}
