"""Staff tools at the county 医保局: department rosters -> de-duplicated subsidy estimate
(附件2), the unanswered-questions log and its review, township task progress.

Nothing here types a policy amount or date: every figure comes from the county's data file."""
