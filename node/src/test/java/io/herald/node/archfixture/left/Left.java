package io.herald.node.archfixture.left;

import io.herald.node.archfixture.right.Right;

/** Half of a deliberate package cycle: {@code ArchitectureTest} shows its rule catches it. */
public final class Left {
  public Right right() {
    return new Right();
  }
}
