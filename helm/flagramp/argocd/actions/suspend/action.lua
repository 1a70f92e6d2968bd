-- spec.suspend: no step is entered or left; measuring goes on, so a breach still reverts. An Application
-- with self-heal puts back what Git says; suspend in Git there, or add spec.suspend to ignoreDifferences.
obj.spec.suspend = true
return obj
