"""What happens each day, as array kernels over the population (crime, fear, adoption, footage,
recognition-driven enforcement, emotion labels) and the policing component that owns the
enforcement path's state."""
