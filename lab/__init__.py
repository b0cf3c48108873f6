"""The lab: what trains, measures and builds Recoupe's models, beside the service that serves them.

`stance/` (training mixes, the one training loop, distillation, export and the ONNX builds,
calibration, evaluation), `verdict/` and `checkworthy/` (the linear models' training), `evaluate/`
(`recoupe eval`), `bench/` (`recoupe bench`) and `models/` (the embedder build). The lab imports
`service`; `service` never imports the lab, except the command line, which reaches a lab command
inside that command's function (tests/test_package_layout.py holds both rules).
"""
