"""neuron"""
