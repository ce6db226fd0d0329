-- v6: the patient's level of each area (train, numbered from 1) of a program, per program slot:
-- {"slot": {"area": mA}}; an area without its own level runs the slot's patient level, else its
-- programmed amplitude (clinic-web §2 "level up/down per program or area" [S BSC-RC]).
ALTER TABLE controller ADD COLUMN area_amplitude_ma_json TEXT NOT NULL DEFAULT '{}';
