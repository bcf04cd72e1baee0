"""Quote to contract (客户商务管理): products, price books, quotes, contracts, execution and implementation orders."""
