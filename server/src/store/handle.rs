//! `app::store::Store` for both backends: the claiming handle (`Store::claiming`). Expanded
//! once per backend by `impl_store!`; the SQL is shared (see `store/mod.rs`).
macro_rules! handle_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl app::store::Store for $store {
            fn claiming(
                &self,
                claim: std::sync::Arc<app::store::Claim>,
            ) -> std::sync::Arc<dyn app::store::Store> {
                std::sync::Arc::new(Self {
                    pool: self.pool.clone(),
                    claim: Some(claim),
                    keys: self.keys.clone(),
                })
            }
        }
    };
}
pub(crate) use handle_impl;
