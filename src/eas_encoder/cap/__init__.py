"""OASIS CAP 1.2: model, safe XML, rules (CAP, IPAWS, ECIG), CAP <-> SAME bridge."""
