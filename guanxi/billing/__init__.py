"""Money (回款): payment plans, invoices, payments, receivables and ageing, expense claims."""
