"""llama.cpp engine, prompt building, model files. No Qt."""
