"""Review tasks: 待审批 lists, claim, complete."""
