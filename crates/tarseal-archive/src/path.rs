//! Archive path normalisation and validation.
