"""The lab: what trains, measures and builds Recoupe's models, beside the service that serves them.

`stance/` (training mixes, the one training loop, distillation, export and the ONNX builds,
calibration, evaluation), `verdict/` and `checkworthy/` (the linear models' training), `evaluate/`
(`recoupe eval`), `bench/` (`recoupe bench`), `models/` (the embedder build) and `cli/` (the
arguments of those commands). The lab imports `service`; `service` never imports the lab, except
the command line, which registers lab/cli's commands when it is not running one of its own
(tests/test_package_layout.py holds both rules).
"""
