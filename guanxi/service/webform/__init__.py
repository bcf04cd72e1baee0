"""The public ticket form (网页报修/服务请求) and its JSON twin: a customer's contact files a request without
signing in and follows it through a signed link."""
