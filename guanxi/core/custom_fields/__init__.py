"""Custom fields (自定义字段): definitions an administrator adds per object, values in each object's JSON column
`custom`, one validation function (validation.custom_values_clean), form and page helpers. See docs/extending.md."""
