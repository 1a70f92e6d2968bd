-- Lifts spec.suspend: the change goes on from where it stands.
obj.spec.suspend = false
return obj
