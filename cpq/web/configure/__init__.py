"""The bundle configuration page: the rep's selections read from the form
(:mod:`.selections`), the option states the engine gives them (:mod:`.option_states`), the
reasons in words (:mod:`.reasons`), the page's option groups with what to fix
(:mod:`.option_groups`), the bundle priced alone (:mod:`.bundle_price`), all put together for a
request (:mod:`.configuring`) and put on the quote (:mod:`.quote_line`)."""
