-- Official acts: recognitions as drug-free, maintenance, revocation, official key types.
SELECT * FROM recognition_event_v
