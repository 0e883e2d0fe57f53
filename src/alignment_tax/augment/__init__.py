"""The five augmentation stages of Sec. 4.1 and the assembly of the contrastive set."""
