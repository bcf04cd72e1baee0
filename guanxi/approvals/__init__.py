"""The generic approval engine (审批流): rules as data, steps, 会签, delegation and the inbox."""
