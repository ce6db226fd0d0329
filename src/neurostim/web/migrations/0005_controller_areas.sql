-- v5: the areas (trains, numbered from 1) of the program in use that the patient's controller
-- has off: "all off" turns every area off, then the patient restores areas one by one
-- (clinic-web §2 [S AXPP16, BSC-RC]).
ALTER TABLE controller ADD COLUMN areas_off_json TEXT NOT NULL DEFAULT '[]';
