"""Excel (.xlsx) import and export of the registers (台账): buildings, units, households and
residents, in one workbook format (`spec`) shared by the template, the importer and the exporter."""
