"""Generate the demo back-office export (catalog/demo-export/*.csv) of Helix Monitoring Systems.

A fictional company selling industrial monitoring equipment (sensors, gateways, controllers,
cabinets, cables, consumables) and services (installation, commissioning, training, support and
software subscriptions). The output follows docs/catalog-format.md.

Deterministic: a seeded ``random.Random`` and no clock, so running it again rewrites the files
byte for byte. Standard library only.

    python catalog/generate_demo_export.py [OUTPUT_DIR]   # default: catalog/demo-export
"""

from __future__ import annotations

import csv
import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

SEED = 20260101
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "demo-export"

HEADERS: dict[str, tuple[str, ...]] = {
    "product_groups": ("code", "name", "parent", "active"),
    "items": (
        "sku",
        "name",
        "description",
        "base_unit",
        "product_group",
        "brand",
        "unit_cost",
        "cost_currency",
        "active",
    ),
    "item_units": ("sku", "unit", "factor"),
    "price_lists": ("code", "name", "currency", "kind", "valid_from", "valid_to", "active"),
    "price_list_entries": (
        "price_list",
        "sku",
        "unit",
        "min_quantity",
        "valid_from",
        "valid_to",
        "customer",
        "unit_price",
        "currency",
    ),
    "customers": (
        "external_id",
        "name",
        "segment",
        "territory",
        "default_currency",
        "contract_price_list",
        "active",
    ),
    "exchange_rates": ("from_currency", "to_currency", "valid_date", "rate"),
}

Row = tuple[str, ...]

# --------------------------------------------------------------------------------------------
# Product groups: (code, name, parent); every item sits in a third-level group.
# --------------------------------------------------------------------------------------------
GROUPS: tuple[tuple[str, str, str], ...] = (
    ("HW", "Hardware", ""),
    ("HW-SENS", "Sensors", "HW"),
    ("HW-SENS-TEMP", "Temperature sensors", "HW-SENS"),
    ("HW-SENS-PRES", "Pressure sensors", "HW-SENS"),
    ("HW-SENS-VIB", "Vibration sensors", "HW-SENS"),
    ("HW-SENS-FLOW", "Flow meters", "HW-SENS"),
    ("HW-SENS-LVL", "Level sensors", "HW-SENS"),
    ("HW-SENS-ENV", "Gas and environment sensors", "HW-SENS"),
    ("HW-SENS-ELEC", "Electrical metering", "HW-SENS"),
    ("HW-GW", "Gateways and networking", "HW"),
    ("HW-GW-EDGE", "Edge gateways", "HW-GW"),
    ("HW-GW-NET", "Industrial network equipment", "HW-GW"),
    ("HW-GW-RAD", "Wireless and antennas", "HW-GW"),
    ("HW-CTL", "Controllers and I/O", "HW"),
    ("HW-CTL-PLC", "Controllers and HMI panels", "HW-CTL"),
    ("HW-CTL-IO", "I/O modules", "HW-CTL"),
    ("HW-CTL-PSU", "Power supplies and protection", "HW-CTL"),
    ("HW-ENC", "Enclosures", "HW"),
    ("HW-ENC-CAB", "Cabinets", "HW-ENC"),
    ("HW-ENC-ACC", "Cabinet and mounting accessories", "HW-ENC"),
    ("HW-CBL", "Cables and connectors", "HW"),
    ("HW-CBL-SIG", "Signal and instrumentation cables", "HW-CBL"),
    ("HW-CBL-PWR", "Power cables", "HW-CBL"),
    ("HW-CBL-NET", "Network and fibre cables", "HW-CBL"),
    ("HW-CBL-CON", "Connectors and terminals", "HW-CBL"),
    ("HW-CBL-CRD", "Pre-assembled cordsets", "HW-CBL"),
    ("HW-SPR", "Spare parts", "HW"),
    ("HW-SPR-CEL", "Replacement sensor cells", "HW-SPR"),
    ("HW-SPR-ELE", "Replacement electronics", "HW-SPR"),
    ("CON", "Consumables", ""),
    ("CON-INS", "Installation consumables", "CON"),
    ("CON-INS-FIX", "Cable ties, glands and ferrules", "CON-INS"),
    ("CON-INS-LBL", "Labels and markers", "CON-INS"),
    ("CON-MNT", "Maintenance consumables", "CON"),
    ("CON-MNT-CAL", "Calibration gases", "CON-MNT"),
    ("CON-MNT-FLT", "Filters", "CON-MNT"),
    ("CON-MNT-BAT", "Batteries and supplies", "CON-MNT"),
    ("SVC", "Services", ""),
    ("SVC-PRO", "Professional services", "SVC"),
    ("SVC-PRO-INS", "Installation", "SVC-PRO"),
    ("SVC-PRO-COM", "Commissioning and engineering", "SVC-PRO"),
    ("SVC-PRO-TRN", "Training", "SVC-PRO"),
    ("SVC-PRO-TRV", "Travel", "SVC-PRO"),
    ("SVC-SUP", "Support", "SVC"),
    ("SVC-SUP-CON", "Support contracts", "SVC-SUP"),
    ("SVC-SUP-CAL", "Calibration services", "SVC-SUP"),
    ("SVC-SUP-WAR", "Warranty extensions", "SVC-SUP"),
    ("SVC-SW", "Software and connectivity", "SVC"),
    ("SVC-SW-PLT", "Platform subscriptions", "SVC-SW"),
    ("SVC-SW-ANA", "Analytics add-ons", "SVC-SW"),
    ("SVC-SW-CON", "Connectivity plans", "SVC-SW"),
    ("SOL", "Solutions", ""),
    ("SOL-KIT", "Kits and packages", "SOL"),
    ("SOL-KIT-HW", "Hardware kits", "SOL-KIT"),
    ("SOL-KIT-SVC", "Service packages", "SOL-KIT"),
)

HELIX, VERITRACE, KESTREL, AMPERMARK, CORVANE = (
    "Helix",
    "Veritrace",
    "Kestrel Instruments",
    "Ampermark",
    "Corvane",
)


@dataclass(frozen=True, slots=True)
class Item:
    sku: str
    name: str
    description: str
    base_unit: str
    group: str
    brand: str
    cost: Decimal  # EUR per base unit, before the seeded jitter
    active: bool = True


def _d(value: str | int) -> Decimal:
    return Decimal(value)


# --------------------------------------------------------------------------------------------
# Items, family by family.
# --------------------------------------------------------------------------------------------
def sensors() -> Iterator[Item]:
    outputs = (("A", "4-20 mA", 35), ("M", "Modbus RTU", 58))
    probes = (
        ("PT100", "Pt100 RTD probe", "Class A Pt100 resistance thermometer", 48),
        ("PT1000", "Pt1000 RTD probe", "Class A Pt1000 resistance thermometer", 52),
        ("TCK", "Type K thermocouple", "Mineral-insulated type K thermocouple", 38),
        ("TCJ", "Type J thermocouple", "Mineral-insulated type J thermocouple", 36),
    )
    for code, name, desc, cost in probes:
        for length in (100, 150, 250):
            for out, out_name, out_cost in outputs:
                yield Item(
                    f"TS-{code}-{length}-{out}",
                    f"{name}, {length} mm, {out_name}",
                    f"{desc}, 6 mm stainless steel sheath, {length} mm immersion length, "
                    f"head transmitter with {out_name} output, IP67.",
                    "each",
                    "HW-SENS-TEMP",
                    VERITRACE,
                    _d(cost + out_cost + length // 25),
                )
    for code, name, cost in (
        ("TS-CLAMP-PIPE", "Pipe clamp temperature sensor", 64),
        ("TS-SURF-MAG", "Magnetic surface temperature sensor", 71),
        ("TS-ROOM-WALL", "Wall-mounted room temperature sensor", 29),
        ("TS-WL-NODE", "Wireless temperature node, LoRaWAN", 96),
        ("TS-WL-NODE-2P", "Wireless temperature node, two probes, LoRaWAN", 124),
        ("TS-WL-NODE-EX", "Wireless temperature node, ATEX zone 2, LoRaWAN", 212),
        ("TS-IR-050", "Infrared pyrometer, 0-500 C", 238),
        ("TS-IR-100", "Infrared pyrometer, 0-1000 C", 312),
        ("TS-IR-160", "Infrared pyrometer, 250-1600 C", 455),
    ):
        yield Item(
            code,
            name,
            f"{name} with IP65 housing; configurable alarm thresholds.",
            "each",
            "HW-SENS-TEMP",
            VERITRACE,
            _d(cost),
        )

    ranges = (
        ("1B0", "0-1 bar"),
        ("2B5", "0-2.5 bar"),
        ("6B0", "0-6 bar"),
        ("10B", "0-10 bar"),
        ("16B", "0-16 bar"),
        ("25B", "0-25 bar"),
        ("40B", "0-40 bar"),
        ("100B", "0-100 bar"),
    )
    for n, (code, span) in enumerate(ranges):
        for out, out_name, out_cost in outputs:
            yield Item(
                f"PS-G-{code}-{out}",
                f"Pressure transmitter, {span} gauge, {out_name}",
                f"Piezoresistive gauge pressure transmitter, {span}, G1/2 process connection, "
                f"0.25 % accuracy, {out_name} output, M12 connector.",
                "each",
                "HW-SENS-PRES",
                KESTREL,
                _d(118 + 6 * n + out_cost),
            )
    for code, span, cost in (
        ("10M", "0-10 mbar", 342),
        ("100M", "0-100 mbar", 318),
        ("1B0", "0-1 bar", 305),
        ("5B0", "0-5 bar", 326),
    ):
        yield Item(
            f"PS-DP-{code}",
            f"Differential pressure transmitter, {span}",
            f"Differential pressure transmitter for filters and flow, {span}, 4-20 mA HART.",
            "each",
            "HW-SENS-PRES",
            KESTREL,
            _d(cost),
        )
    for code, name, cost in (
        ("PS-HYG-6B0", "Hygienic pressure transmitter, 0-6 bar, flush diaphragm", 284),
        ("PS-HYG-16B", "Hygienic pressure transmitter, 0-16 bar, flush diaphragm", 296),
        ("PS-HYG-40B", "Hygienic pressure transmitter, 0-40 bar, flush diaphragm", 318),
        ("PS-SW-10B", "Electronic pressure switch, 0-10 bar, display", 142),
        ("PS-SW-40B", "Electronic pressure switch, 0-40 bar, display", 151),
        ("PS-SW-100B", "Electronic pressure switch, 0-100 bar, display", 163),
    ):
        yield Item(
            code,
            name,
            f"{name}; stainless steel 316L wetted parts.",
            "each",
            "HW-SENS-PRES",
            KESTREL,
            _d(cost),
        )

    for code, name, cost in (
        ("VS-ACC-100-TOP", "IEPE accelerometer, 100 mV/g, top exit", 96),
        ("VS-ACC-100-SIDE", "IEPE accelerometer, 100 mV/g, side exit", 99),
        ("VS-ACC-500-LF", "Low-frequency accelerometer, 500 mV/g", 184),
        ("VS-ACC-TRI", "Triaxial accelerometer, 100 mV/g", 298),
        ("VS-TX-25", "Vibration transmitter, 0-25 mm/s RMS, 4-20 mA", 168),
        ("VS-TX-50", "Vibration transmitter, 0-50 mm/s RMS, 4-20 mA", 172),
        ("VS-TX-TEMP", "Vibration and temperature transmitter, 4-20 mA", 214),
        ("VS-WL-NODE", "Wireless vibration node, LoRaWAN", 246),
        ("VS-WL-NODE-TRI", "Wireless triaxial vibration node, LoRaWAN", 332),
        ("VS-WL-NODE-EX", "Wireless vibration node, ATEX zone 2", 418),
        ("VS-MNT-MAG", "Magnetic mounting base for accelerometers", 18),
        ("VS-MNT-STUD", "Adhesive mounting studs, set of 5", 14),
    ):
        yield Item(
            code,
            name,
            f"{name} for condition monitoring of rotating machinery.",
            "each",
            "HW-SENS-VIB",
            VERITRACE,
            _d(cost),
        )

    for n, dn in enumerate((15, 25, 40, 50, 80, 100, 150)):
        yield Item(
            f"FS-MAG-DN{dn}",
            f"Electromagnetic flow meter DN{dn}",
            f"Electromagnetic flow meter DN{dn}, PN16 flanges, PTFE liner, 4-20 mA and pulse "
            "outputs, local display.",
            "each",
            "HW-SENS-FLOW",
            KESTREL,
            _d(640 + 95 * n),
        )
    for code, name, cost in (
        ("FS-US-S", "Clamp-on ultrasonic flow meter, DN15-DN100", 1180),
        ("FS-US-M", "Clamp-on ultrasonic flow meter, DN50-DN700", 1340),
        ("FS-US-L", "Clamp-on ultrasonic flow meter, DN300-DN2000", 1620),
        ("FS-VTX-DN25", "Vortex flow meter DN25 for steam and gas", 1450),
        ("FS-VTX-DN50", "Vortex flow meter DN50 for steam and gas", 1580),
    ):
        yield Item(code, name, f"{name}, 4-20 mA HART.", "each", "HW-SENS-FLOW", KESTREL, _d(cost))

    for code, name, cost in (
        ("LS-RAD-08", "Radar level transmitter, 8 m range", 520),
        ("LS-RAD-15", "Radar level transmitter, 15 m range", 610),
        ("LS-RAD-30", "Radar level transmitter, 30 m range", 745),
        ("LS-US-04", "Ultrasonic level transmitter, 4 m range", 265),
        ("LS-US-08", "Ultrasonic level transmitter, 8 m range", 298),
        ("LS-US-12", "Ultrasonic level transmitter, 12 m range", 334),
        ("LS-HYD-05", "Submersible level probe, 0-5 m H2O", 168),
        ("LS-HYD-10", "Submersible level probe, 0-10 m H2O", 176),
        ("LS-HYD-20", "Submersible level probe, 0-20 m H2O", 189),
        ("LS-HYD-50", "Submersible level probe, 0-50 m H2O", 214),
        ("LS-FORK-LIQ", "Vibrating fork level switch, liquids", 142),
        ("LS-FORK-SOL", "Vibrating fork level switch, bulk solids", 226),
    ):
        yield Item(
            code,
            name,
            f"{name}; 4-20 mA output, IP68 where submersible.",
            "each",
            "HW-SENS-LVL",
            KESTREL,
            _d(cost),
        )

    for gas, span, cost in (
        ("CO", "0-300 ppm", 248),
        ("CO2", "0-5000 ppm NDIR", 226),
        ("H2S", "0-100 ppm", 262),
        ("O2", "0-25 % vol", 238),
        ("CH4", "0-100 % LEL", 284),
        ("NH3", "0-100 ppm", 318),
        ("NO2", "0-20 ppm", 296),
    ):
        yield Item(
            f"GS-DET-{gas}",
            f"Fixed gas detector {gas}, {span}",
            f"Fixed gas detector for {gas}, {span}, relay outputs and 4-20 mA, "
            "replaceable sensor cell.",
            "each",
            "HW-SENS-ENV",
            VERITRACE,
            _d(cost),
        )
    for code, name, cost in (
        ("GS-RH-WALL", "Room humidity and temperature sensor", 58),
        ("GS-RH-DUCT", "Duct humidity and temperature sensor", 72),
        ("GS-RH-OUT", "Outdoor humidity and temperature sensor with radiation shield", 114),
        ("GS-PM-IN", "Particulate matter sensor PM2.5/PM10, indoor", 168),
        ("GS-PM-OUT", "Particulate matter sensor PM2.5/PM10, outdoor", 286),
        ("GS-DPA-500", "Differential air pressure sensor, 0-500 Pa", 96),
    ):
        yield Item(code, name, f"{name}, Modbus RTU.", "each", "HW-SENS-ENV", VERITRACE, _d(cost))

    for amps, cost in ((50, 22), (100, 24), (200, 29), (400, 36), (800, 48), (1600, 66)):
        yield Item(
            f"EM-CT-{amps}",
            f"Split-core current transformer {amps} A",
            f"Split-core current transformer, {amps} A primary, 333 mV output, class 1.",
            "each",
            "HW-SENS-ELEC",
            AMPERMARK,
            _d(cost),
        )
    for code, name, cost in (
        ("EM-RGW-300", "Rogowski coil, 300 mm loop", 88),
        ("EM-RGW-600", "Rogowski coil, 600 mm loop", 104),
        ("EM-MTR-1P", "Energy meter, single phase, 45 A direct", 64),
        ("EM-MTR-3P80", "Energy meter, three phase, 80 A direct", 118),
        ("EM-MTR-3PCT", "Energy meter, three phase, CT connected", 126),
        ("EM-MTR-3PMID", "Energy meter, three phase, MID certified", 168),
        ("EM-PQA", "Power quality analyser, class A", 1240),
    ):
        yield Item(
            code,
            name,
            f"{name}, Modbus RTU and pulse output.",
            "each",
            "HW-SENS-ELEC",
            AMPERMARK,
            _d(cost),
        )


def gateways_and_controllers() -> Iterator[Item]:
    for code, name, desc, cost in (
        ("GW-E100", "Edge gateway E100", "1x Ethernet, 1x RS-485, DIN rail", 210),
        ("GW-E200", "Edge gateway E200", "2x Ethernet, 2x RS-485, 4 DI, DIN rail", 348),
        ("GW-E200L", "Edge gateway E200 LTE", "E200 with LTE Cat 4 modem", 426),
        ("GW-E300", "Edge gateway E300", "4x Ethernet, 2x RS-485, LTE, Wi-Fi", 612),
        ("GW-E300W", "Edge gateway E300 wide temperature", "E300 rated -40 to 70 C", 688),
        ("GW-E500", "Edge compute gateway E500", "quad-core, 8 GB RAM, local analytics", 1180),
    ):
        yield Item(
            code,
            name,
            f"{name}: {desc}; Modbus, OPC UA and MQTT; secure boot.",
            "each",
            "HW-GW-EDGE",
            HELIX,
            _d(cost),
        )
    for code, name, cost in (
        ("NW-SW-5U", "Unmanaged industrial switch, 5 ports", 68),
        ("NW-SW-8U", "Unmanaged industrial switch, 8 ports", 94),
        ("NW-SW-8M", "Managed industrial switch, 8 ports", 286),
        ("NW-SW-16M", "Managed industrial switch, 16 ports", 468),
        ("NW-SW-8P", "Managed PoE switch, 8 ports", 412),
        ("NW-RT-LTE", "Industrial LTE router", 318),
        ("NW-RT-5G", "Industrial 5G router", 596),
        ("NW-SFP-MM", "SFP transceiver, multimode 1 Gbit/s", 38),
        ("NW-SFP-SM", "SFP transceiver, single-mode 1 Gbit/s", 54),
        ("NW-MC-FO", "Media converter, copper to fibre", 146),
    ):
        yield Item(
            code, name, f"{name}, DIN rail, 24 V DC.", "each", "HW-GW-NET", CORVANE, _d(cost)
        )
    for code, name, cost in (
        ("RF-LGW-IN", "LoRaWAN gateway, indoor", 214),
        ("RF-LGW-OUT", "LoRaWAN gateway, outdoor IP67", 486),
        ("RF-ANT-LTE-MAG", "LTE antenna, magnetic base", 24),
        ("RF-ANT-LTE-PNL", "LTE panel antenna, directional", 96),
        ("RF-ANT-868", "LoRa antenna 868 MHz, omnidirectional", 42),
        ("RF-ANT-915", "LoRa antenna 915 MHz, omnidirectional", 42),
        ("RF-ANT-GNSS", "GNSS antenna", 28),
        ("RF-EXT-03", "Antenna extension cable, 3 m", 16),
        ("RF-EXT-10", "Antenna extension cable, 10 m", 34),
        ("RF-LPR", "Antenna lightning protector", 46),
    ):
        yield Item(code, name, f"{name}.", "each", "HW-GW-RAD", HELIX, _d(cost))

    for code, name, cost in (
        ("PLC-C100", "Compact controller C100", 420),
        ("PLC-C200", "Controller C200", 690),
        ("PLC-C400", "Advanced controller C400", 1260),
        ("PLC-C400R", "Redundant controller pair C400R", 2380),
        ("HMI-07", "HMI touch panel, 7 inch", 380),
        ("HMI-10", "HMI touch panel, 10 inch", 560),
        ("HMI-15", "HMI touch panel, 15 inch", 890),
    ):
        yield Item(
            code,
            name,
            f"{name}; IEC 61131-3 programming, web visualisation.",
            "each",
            "HW-CTL-PLC",
            HELIX,
            _d(cost),
        )
    for code, name, cost in (
        ("IO-DI8", "Digital input module, 8 channels", 118),
        ("IO-DI16", "Digital input module, 16 channels", 164),
        ("IO-DO8T", "Digital output module, 8 transistor channels", 126),
        ("IO-DO8R", "Digital output module, 8 relay channels", 148),
        ("IO-DO16", "Digital output module, 16 channels", 176),
        ("IO-AI4", "Analogue input module, 4 channels", 168),
        ("IO-AI8", "Analogue input module, 8 channels", 236),
        ("IO-AI8H", "Analogue input module, 8 channels, HART", 342),
        ("IO-AO4", "Analogue output module, 4 channels", 214),
        ("IO-RTD4", "RTD input module, 4 channels", 196),
        ("IO-TC4", "Thermocouple input module, 4 channels", 192),
        ("IO-CNT2", "Counter module, 2 channels", 154),
        ("IO-BC-MTCP", "Bus coupler, Modbus TCP", 224),
        ("IO-BC-PN", "Bus coupler, PROFINET", 268),
    ):
        yield Item(code, name, f"{name}, plug-in terminals.", "each", "HW-CTL-IO", HELIX, _d(cost))
    for code, name, cost in (
        ("PSU-24-02", "Power supply 24 V DC, 2.5 A", 42),
        ("PSU-24-05", "Power supply 24 V DC, 5 A", 64),
        ("PSU-24-10", "Power supply 24 V DC, 10 A", 108),
        ("PSU-24-20", "Power supply 24 V DC, 20 A", 186),
        ("PSU-UPS-CTL", "DC UPS controller 24 V", 132),
        ("PSU-UPS-BAT3", "DC UPS battery module, 3.2 Ah", 88),
        ("PSU-UPS-BAT7", "DC UPS battery module, 7.2 Ah", 126),
        ("PSU-RED", "Redundancy module 24 V, 2x 20 A", 74),
        ("PSU-SPD-AC", "Surge protection device, 230 V AC", 58),
        ("PSU-SPD-SIG", "Surge protection device, 4-20 mA signal", 36),
    ):
        yield Item(code, name, f"{name}, DIN rail.", "each", "HW-CTL-PSU", AMPERMARK, _d(cost))


def enclosures_and_cables() -> Iterator[Item]:
    sizes = (
        "400x300x200",
        "500x400x200",
        "600x400x250",
        "600x600x250",
        "800x600x300",
        "1000x800x300",
        "1200x800x400",
    )
    for n, size in enumerate(sizes):
        for code, material, factor in (("ST", "painted steel", 100), ("SS", "stainless", 175)):
            yield Item(
                f"CAB-{code}-{size.replace('x', '')}",
                f"Wall cabinet {size} mm, {material}",
                f"Wall-mounted cabinet {size} mm (HxWxD), {material}, IP66, mounting plate "
                "and gland plate included.",
                "each",
                "HW-ENC-CAB",
                CORVANE,
                _d((140 + 85 * n) * factor // 100),
            )
    for code, name, cost in (
        ("CAB-GRP-600", "Outdoor polyester cabinet 600x400x250 mm", 268),
        ("CAB-GRP-800", "Outdoor polyester cabinet 800x600x300 mm", 384),
        ("CAB-GRP-1000", "Outdoor polyester cabinet 1000x800x300 mm", 512),
    ):
        yield Item(code, name, f"{name}, UV-stable, IP66.", "each", "HW-ENC-CAB", CORVANE, _d(cost))
    for code, name, cost in (
        ("ACC-DIN-1M", "DIN rail 35 mm, 1 m length", 4),
        ("ACC-DUCT-4060", "Slotted cable duct 40x60 mm, 2 m length", 7),
        ("ACC-FAN-120", "Cabinet filter fan, 120 mm", 46),
        ("ACC-FAN-OUT", "Cabinet outlet filter", 18),
        ("ACC-HTR-050", "Cabinet heater, 50 W", 38),
        ("ACC-HTR-100", "Cabinet heater, 100 W", 52),
        ("ACC-THERM", "Cabinet thermostat", 21),
        ("ACC-LED", "Cabinet LED light with door switch", 29),
        ("ACC-POLE", "Pole mounting kit for cabinets", 64),
        ("ACC-WALL", "Wall mounting brackets, set of 4", 16),
        ("ACC-SUN", "Sun shield for outdoor cabinets", 96),
        ("ACC-PIPE", "Pipe mounting bracket for transmitters", 22),
        ("ACC-PLINTH", "Cabinet plinth, 100 mm", 84),
    ):
        yield Item(code, name, f"{name}.", "each", "HW-ENC-ACC", CORVANE, _d(cost))

    for group, cables in (
        (
            "HW-CBL-SIG",
            (
                ("CBL-SIG-2X05S", "Instrumentation cable 2x0.5 mm2, shielded", "0.62"),
                ("CBL-SIG-2P05S", "Instrumentation cable 2x2x0.5 mm2, twisted pairs", "0.94"),
                ("CBL-SIG-4X075S", "Control cable 4x0.75 mm2, shielded", "1.12"),
                ("CBL-SIG-8X05S", "Control cable 8x0.5 mm2, shielded", "1.46"),
                ("CBL-SIG-12X05S", "Control cable 12x0.5 mm2, shielded", "1.98"),
                ("CBL-SIG-RS485", "RS-485 bus cable 1x2x0.22 mm2", "0.86"),
                ("CBL-SIG-TCK", "Thermocouple extension cable type K", "1.34"),
                ("CBL-SIG-RTD4", "RTD cable 4x0.22 mm2, shielded", "0.98"),
            ),
        ),
        (
            "HW-CBL-PWR",
            (
                ("CBL-PWR-3G15", "Power cable 3G1.5 mm2", "0.88"),
                ("CBL-PWR-3G25", "Power cable 3G2.5 mm2", "1.32"),
                ("CBL-PWR-5G15", "Power cable 5G1.5 mm2", "1.38"),
                ("CBL-PWR-5G25", "Power cable 5G2.5 mm2", "2.06"),
                ("CBL-PWR-5G4", "Power cable 5G4 mm2", "3.24"),
                ("CBL-PWR-2X15HF", "Power cable 2x1.5 mm2, halogen free", "0.96"),
            ),
        ),
        (
            "HW-CBL-NET",
            (
                ("CBL-NET-CAT6", "Cat6 S/FTP installation cable", "0.74"),
                ("CBL-NET-CAT6A", "Cat6A S/FTP installation cable", "0.96"),
                ("CBL-NET-PUR4", "Industrial Ethernet cable, 4-core PUR", "1.28"),
                ("CBL-NET-PNB", "PROFINET type B cable", "1.42"),
                ("CBL-NET-OM3", "Fibre cable OM3, 4 fibres", "1.64"),
                ("CBL-NET-OS2", "Fibre cable OS2, 4 fibres", "1.52"),
            ),
        ),
    ):
        for sku, name, cost_eur in cables:
            yield Item(
                sku,
                name,
                f"{name}, sold by the metre or by the reel.",
                "m",
                group,
                CORVANE,
                _d(cost_eur),
            )
    for pins, cost in (("4", 6), ("5", 7), ("8", 9)):
        for code, kind, extra in (("FS", "straight female", 0), ("FA", "angled female", 1)):
            yield Item(
                f"CON-M12-{pins}{code}",
                f"M12 connector, {pins}-pin, {kind}, field attachable",
                f"M12 A-coded field-attachable connector, {pins}-pin, {kind}, screw terminals.",
                "each",
                "HW-CBL-CON",
                CORVANE,
                _d(cost + extra),
            )
        yield Item(
            f"CON-M12-{pins}MS",
            f"M12 connector, {pins}-pin, straight male, field attachable",
            f"M12 A-coded field-attachable connector, {pins}-pin, straight male.",
            "each",
            "HW-CBL-CON",
            CORVANE,
            _d(cost),
        )
    for code, name, cost_eur in (
        ("CON-RJ45-IND", "Industrial RJ45 field plug, Cat6A", "8.40"),
        ("CON-M8-3F", "M8 connector, 3-pin, female", "4.60"),
        ("CON-M8-4F", "M8 connector, 4-pin, female", "4.90"),
        ("CON-TB-2V5", "Terminal block 2.5 mm2, feed-through", "0.42"),
        ("CON-TB-4", "Terminal block 4 mm2, feed-through", "0.56"),
        ("CON-TB-6", "Terminal block 6 mm2, feed-through", "0.74"),
        ("CON-TB-FUSE", "Fuse terminal block 5x20 mm", "1.86"),
    ):
        yield Item(code, name, f"{name}.", "each", "HW-CBL-CON", CORVANE, _d(cost_eur))
    for code, name, cost in (("M12-4", "M12 4-pin", 7), ("M12-8", "M12 8-pin", 11)):
        for length in (2, 5, 10):
            yield Item(
                f"CS-{code}-{length:02d}",
                f"Cordset {name}, straight female to open end, {length} m",
                f"Pre-assembled PUR cordset, {name} A-coded, {length} m, drag-chain rated.",
                "each",
                "HW-CBL-CRD",
                CORVANE,
                _d(cost + length),
            )
    for length in (2, 5, 10):
        yield Item(
            f"CS-M12D-RJ45-{length:02d}",
            f"Ethernet cordset M12 D-coded to RJ45, {length} m",
            f"Pre-assembled industrial Ethernet cordset, M12 D-coded to RJ45, {length} m.",
            "each",
            "HW-CBL-CRD",
            CORVANE,
            _d(12 + 2 * length),
        )


def spares_and_consumables() -> Iterator[Item]:
    for gas, cost in (("CO", 88), ("H2S", 96), ("O2", 74), ("CH4", 112), ("NH3", 134)):
        yield Item(
            f"SP-CELL-{gas}",
            f"Replacement sensor cell {gas}",
            f"Replacement electrochemical or catalytic sensor cell for GS-DET-{gas}.",
            "each",
            "HW-SPR-CEL",
            VERITRACE,
            _d(cost),
        )
    for code, name, cost in (
        ("SP-CELL-NO2", "Replacement sensor cell NO2", 118),
        ("SP-CELL-CO2", "Replacement NDIR sensor module CO2", 102),
    ):
        yield Item(code, name, f"{name}.", "each", "HW-SPR-CEL", VERITRACE, _d(cost))
    for code, name, cost in (
        ("SP-DSP-TX", "Replacement LCD display for transmitters", 42),
        ("SP-DSP-FLOW", "Replacement display module for flow meters", 96),
        ("SP-MDM-LTE", "Replacement LTE modem module for E-series gateways", 118),
        ("SP-SD-08", "Industrial microSD card, 8 GB", 16),
        ("SP-SD-32", "Industrial microSD card, 32 GB", 28),
        ("SP-FUSE-KIT", "Fuse assortment for controllers and power supplies", 12),
    ):
        yield Item(code, name, f"{name}.", "each", "HW-SPR-ELE", HELIX, _d(cost))

    for code, name, cost_eur in (
        ("CI-TIE-100", "Cable tie 100x2.5 mm, natural", "0.012"),
        ("CI-TIE-200", "Cable tie 200x3.6 mm, black UV-stable", "0.021"),
        ("CI-TIE-300", "Cable tie 300x4.8 mm, black UV-stable", "0.038"),
        ("CI-TIE-SS360", "Stainless steel cable tie 360x4.6 mm", "0.29"),
        ("CI-TIE-MNT", "Adhesive cable tie mount 19x19 mm", "0.08"),
        ("CI-GLD-M16", "Cable gland M16, IP68, polyamide", "0.46"),
        ("CI-GLD-M20", "Cable gland M20, IP68, polyamide", "0.58"),
        ("CI-GLD-M25", "Cable gland M25, IP68, polyamide", "0.84"),
        ("CI-GLD-M32", "Cable gland M32, IP68, polyamide", "1.26"),
        ("CI-FER-050", "Insulated wire ferrule 0.5 mm2", "0.006"),
        ("CI-FER-075", "Insulated wire ferrule 0.75 mm2", "0.007"),
        ("CI-FER-150", "Insulated wire ferrule 1.5 mm2", "0.008"),
        ("CI-FER-250", "Insulated wire ferrule 2.5 mm2", "0.011"),
    ):
        yield Item(
            code, name, f"{name}; sold by the box.", "each", "CON-INS-FIX", CORVANE, _d(cost_eur)
        )
    yield Item(
        "CI-SPIRAL-12",
        "Spiral wrapping band 12 mm",
        "Spiral wrapping band 12 mm, black; sold by the metre or by the reel.",
        "m",
        "CON-INS-FIX",
        CORVANE,
        _d("0.34"),
    )
    for code, name, cost_eur in (
        ("LB-CBL-WRAP", "Self-laminating cable marker, wrap-around", "0.09"),
        ("LB-TB-STRIP", "Terminal marker strip, 10 markers", "0.18"),
        ("LB-TAG-ENGR", "Engraved equipment tag, stainless steel", "3.20"),
        ("LB-WARN-HV", "Warning label, high voltage", "0.42"),
        ("LB-SHEET-A4", "Printable label sheet A4, polyester", "1.10"),
    ):
        yield Item(code, name, f"{name}.", "each", "CON-INS-LBL", CORVANE, _d(cost_eur))
    for code, name, cost in (
        ("CG-CO-100", "Calibration gas CO 100 ppm, 58 l cylinder", 68),
        ("CG-H2S-25", "Calibration gas H2S 25 ppm, 58 l cylinder", 84),
        ("CG-CH4-50", "Calibration gas CH4 50 % LEL, 58 l cylinder", 62),
        ("CG-CO2-2K", "Calibration gas CO2 2000 ppm, 58 l cylinder", 58),
        ("CG-ZERO", "Zero air, 58 l cylinder", 36),
        ("CG-MIX4", "Four-gas mixture CO/H2S/CH4/O2, 58 l cylinder", 96),
    ):
        yield Item(code, name, f"{name}.", "each", "CON-MNT-CAL", VERITRACE, _d(cost))
    for code, name, cost_eur in (
        ("FL-MAT-S", "Filter mat for 120 mm filter fan", "1.40"),
        ("FL-MAT-M", "Filter mat for 150 mm filter fan", "1.90"),
        ("FL-MAT-L", "Filter mat for 250 mm filter fan", "2.80"),
        ("FL-SINT-G12", "Sintered bronze filter G1/2 for pressure ports", "3.60"),
        ("FL-GAS-CAP", "Dust filter cap for gas detectors", "2.20"),
        ("FL-GAS-HYD", "Hydrophobic filter for gas detectors", "4.10"),
    ):
        yield Item(code, name, f"{name}.", "each", "CON-MNT-FLT", CORVANE, _d(cost_eur))
    for code, name, cost_eur in (
        ("BT-LI-AA", "Lithium battery 3.6 V AA for wireless nodes", "3.10"),
        ("BT-LI-C", "Lithium battery 3.6 V C for wireless nodes", "6.40"),
        ("BT-LI-D", "Lithium battery 3.6 V D for wireless nodes", "8.90"),
        ("BT-UPS-7", "Replacement UPS battery 12 V, 7 Ah", "18.50"),
        ("BT-DESICCANT", "Desiccant bag 10 g for cabinets", "0.22"),
        ("BT-CLEAN", "Contact cleaner spray, 400 ml", "4.60"),
        ("BT-SILICONE", "Silicone grease for seals, 50 g", "3.80"),
    ):
        yield Item(code, name, f"{name}.", "each", "CON-MNT-BAT", AMPERMARK, _d(cost_eur))


def services() -> Iterator[Item]:
    for code, name, unit, group, cost in (
        ("SVC-INS-STD", "On-site installation, standard hours", "h", "SVC-PRO-INS", 58),
        ("SVC-INS-OT", "On-site installation, overtime", "h", "SVC-PRO-INS", 76),
        ("SVC-INS-WE", "On-site installation, weekends and holidays", "h", "SVC-PRO-INS", 94),
        ("SVC-INS-CBL", "Cable pulling and termination", "h", "SVC-PRO-INS", 52),
        ("SVC-INS-ELEC", "Certified electrician, cabinet wiring", "h", "SVC-PRO-INS", 66),
        ("SVC-COM-GW", "Gateway commissioning", "day", "SVC-PRO-COM", 520),
        ("SVC-COM-SNS", "Sensor network commissioning", "day", "SVC-PRO-COM", 540),
        ("SVC-COM-PLC", "Controller programming and commissioning", "day", "SVC-PRO-COM", 610),
        ("SVC-COM-INT", "SCADA and ERP integration engineering", "day", "SVC-PRO-COM", 680),
        ("SVC-COM-REM", "Remote commissioning support", "h", "SVC-PRO-COM", 62),
        ("SVC-TRN-OPS", "Operator training, on site", "day", "SVC-PRO-TRN", 560),
        ("SVC-TRN-ADM", "Administrator training, on site", "day", "SVC-PRO-TRN", 620),
        ("SVC-TRN-REM", "Remote training session", "h", "SVC-PRO-TRN", 64),
        ("SVC-TRN-ELRN", "E-learning licence, 12 months", "each", "SVC-PRO-TRN", 48),
        ("SVC-TRV-TIME", "Travel time", "h", "SVC-PRO-TRV", 44),
        ("SVC-TRV-Z1", "Travel flat rate, zone 1 (up to 100 km)", "each", "SVC-PRO-TRV", 68),
        ("SVC-TRV-Z2", "Travel flat rate, zone 2 (up to 300 km)", "each", "SVC-PRO-TRV", 142),
        ("SVC-TRV-Z3", "Travel flat rate, zone 3 (over 300 km)", "each", "SVC-PRO-TRV", 286),
        ("SVC-CAL-TEMP", "Temperature sensor calibration, 3 points", "each", "SVC-SUP-CAL", 46),
        ("SVC-CAL-PRES", "Pressure transmitter calibration, 5 points", "each", "SVC-SUP-CAL", 52),
        ("SVC-CAL-GAS", "Gas detector bump test and calibration", "each", "SVC-SUP-CAL", 38),
        ("SVC-CAL-FLOW", "Flow meter verification", "each", "SVC-SUP-CAL", 124),
        ("SVC-CAL-VIB", "Vibration sensor calibration", "each", "SVC-SUP-CAL", 68),
        ("SVC-CAL-DAY", "On-site calibration day", "day", "SVC-SUP-CAL", 560),
        ("SVC-WAR-1Y", "Extended warranty +1 year, per device", "each", "SVC-SUP-WAR", 9),
        ("SVC-WAR-2Y", "Extended warranty +2 years, per device", "each", "SVC-SUP-WAR", 16),
        ("SVC-WAR-3Y", "Extended warranty +3 years, per device", "each", "SVC-SUP-WAR", 22),
    ):
        yield Item(code, name, f"{name}.", unit, group, HELIX, _d(cost))
    for tier, cost in (("BAS", 40), ("STD", 95), ("PRM", 210)):
        label = {"BAS": "Basic", "STD": "Standard", "PRM": "Premium"}[tier]
        for size, devices, scale in (("S", 50, 100), ("L", 250, 260)):
            yield Item(
                f"SUP-{tier}-{size}",
                f"{label} support plan, up to {devices} devices",
                f"{label} support plan for up to {devices} devices, billed monthly.",
                "month",
                "SVC-SUP-CON",
                HELIX,
                _d(cost * scale // 100),
            )
    yield Item(
        "SUP-ONCALL",
        "24/7 on-call extension",
        "Round-the-clock on-call engineer for critical incidents, billed monthly.",
        "month",
        "SVC-SUP-CON",
        HELIX,
        _d(380),
    )
    for code, name, group, cost_eur in (
        ("SW-PLT-START", "Helix Cloud Starter, up to 25 devices", "SVC-SW-PLT", "28"),
        ("SW-PLT-PRO", "Helix Cloud Professional, up to 250 devices", "SVC-SW-PLT", "145"),
        ("SW-PLT-ENT", "Helix Cloud Enterprise, unlimited devices", "SVC-SW-PLT", "520"),
        ("SW-PLT-DEV", "Helix Cloud device licence", "SVC-SW-PLT", "0.85"),
        ("SW-PLT-ONPREM", "Helix on-premises server licence", "SVC-SW-PLT", "310"),
        ("SW-PLT-RET1", "Data retention extension, 1 year", "SVC-SW-PLT", "12"),
        ("SW-PLT-RET5", "Data retention extension, 5 years", "SVC-SW-PLT", "38"),
        ("SW-ANA-PDM", "Predictive maintenance analytics", "SVC-SW-ANA", "84"),
        ("SW-ANA-NRG", "Energy analytics", "SVC-SW-ANA", "56"),
        ("SW-ANA-SMS", "Alarm notification pack, 500 SMS", "SVC-SW-ANA", "18"),
        ("SW-ANA-RPT", "Compliance reporting", "SVC-SW-ANA", "42"),
        ("SW-ANA-API", "API access", "SVC-SW-ANA", "36"),
        ("SW-ANA-TWIN", "Digital twin viewer", "SVC-SW-ANA", "96"),
        ("SW-CON-SIM100", "SIM data plan, 100 MB", "SVC-SW-CON", "1.60"),
        ("SW-CON-SIM1G", "SIM data plan, 1 GB", "SVC-SW-CON", "4.20"),
        ("SW-CON-SIM10G", "SIM data plan, 10 GB", "SVC-SW-CON", "11.50"),
        ("SW-CON-LNS", "LoRaWAN network server, per device", "SVC-SW-CON", "0.40"),
    ):
        yield Item(code, name, f"{name}, billed monthly.", "month", group, HELIX, _d(cost_eur))


def kits() -> Iterator[Item]:
    for code, name, group, cost in (
        ("KIT-MON-START", "Monitoring starter kit", "SOL-KIT-HW", 45),
        ("KIT-GW-EDGE", "Edge gateway bundle", "SOL-KIT-HW", 38),
        ("KIT-GW-COMM", "Gateway communication pack", "SOL-KIT-HW", 12),
        ("KIT-CAB-CTL", "Controller cabinet, assembled and tested", "SOL-KIT-HW", 240),
        ("KIT-SVC-ONB", "Onboarding service package", "SOL-KIT-SVC", 90),
    ):
        yield Item(
            code,
            name,
            f"{name}: configured from its product model; price covers assembly, "
            "pre-configuration and documentation.",
            "each",
            group,
            HELIX,
            _d(cost),
        )


def discontinued() -> Iterator[Item]:
    for code, name, unit, group, brand, cost in (
        ("GW-100", "Gateway G100 (discontinued)", "each", "HW-GW-EDGE", HELIX, "180"),
        ("PLC-C050", "Controller C50 (discontinued)", "each", "HW-CTL-PLC", HELIX, "310"),
        ("TS-WL-NODE-G1", "Wireless temperature node G1", "each", "HW-SENS-TEMP", VERITRACE, "88"),
        ("SP-CELL-CL2", "Replacement sensor cell Cl2", "each", "HW-SPR-CEL", VERITRACE, "142"),
        ("CBL-NET-CAT5E", "Cat5e F/UTP installation cable", "m", "HW-CBL-NET", CORVANE, "0.48"),
        ("SUP-LEGACY", "Legacy support plan", "month", "SVC-SUP-CON", HELIX, "60"),
        ("HMI-05", "HMI touch panel, 5 inch", "each", "HW-CTL-PLC", HELIX, "260"),
    ):
        yield Item(code, name, f"{name}; no longer sold.", unit, group, brand, _d(cost), False)


def all_items() -> list[Item]:
    families = (
        sensors,
        gateways_and_controllers,
        enclosures_and_cables,
        spares_and_consumables,
        services,
        kits,
        discontinued,
    )
    return [item for family in families for item in family()]


# --------------------------------------------------------------------------------------------
# Numbers.
# --------------------------------------------------------------------------------------------
CENT = Decimal("0.01")
TEN_THOUSANDTH = Decimal("0.0001")


def amount(value: Decimal) -> Decimal:
    """Two decimals, or four below 0.10 (a cable tie costs fractions of a cent)."""
    return value.quantize(TEN_THOUSANDTH if value < Decimal("0.1") else CENT, ROUND_HALF_UP)


def price_point(value: Decimal) -> Decimal:
    """A list price: whole tens from 1000, whole units from 100, tenths from 10."""
    for threshold, step in ((1000, 10), (100, 1), (10, Decimal("0.1"))):
        if value >= threshold:
            return amount((value / step).quantize(Decimal(1), ROUND_HALF_UP) * step)
    return amount(value)


def percent(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low, high)) / 100


def text(value: Decimal | bool | str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


# --------------------------------------------------------------------------------------------
# Tables.
# --------------------------------------------------------------------------------------------
MARGINS = {"HW": (165, 215), "CON": (190, 260), "SVC": (140, 175), "SOL": (180, 220)}
USD_FACTOR, GBP_FACTOR = Decimal("1.12"), Decimal("0.87")
STANDARD_LISTS = (
    ("STD-EUR", "EUR", Decimal(1)),
    ("STD-USD", "USD", USD_FACTOR),
    ("STD-GBP", "GBP", GBP_FACTOR),
)
CONTRACT_EUR, CONTRACT_USD, PARTNER = "CTR-NORDHAFEN-2026", "CTR-GREATLAKES-2026", "PRT-EUR"
PRICE_INCREASE_FROM, PRICE_INCREASE_UNTIL = "2026-07-01", "2026-06-30"


@dataclass(slots=True)
class Catalog:
    items: list[Item]
    costs: dict[str, Decimal]
    units: list[tuple[str, str, Decimal]]


def build_catalog(rng: random.Random) -> Catalog:
    items = all_items()
    costs = {i.sku: amount(i.cost * percent(rng, 96, 104)) for i in items}
    units: list[tuple[str, str, Decimal]] = []
    for item in items:
        if item.base_unit == "m" and item.sku.startswith("CBL-"):
            units.append((item.sku, "reel", Decimal(500 if item.cost < 1 else 100)))
        elif item.sku == "CI-SPIRAL-12":
            units.append((item.sku, "reel", Decimal(25)))
        elif item.group == "CON-INS-FIX":
            units.append((item.sku, "box", Decimal(500 if item.cost < Decimal("0.05") else 50)))
        elif item.group in ("CON-MNT-FLT", "CON-MNT-BAT") or item.sku.startswith("SP-SD"):
            units.append((item.sku, "dozen", Decimal(12)))
        elif item.group == "CON-INS-LBL" or item.sku.startswith(("CON-M12", "CON-M8", "CON-TB")):
            units.append((item.sku, "pack", Decimal(50 if item.cost < 1 else 10)))
        elif item.base_unit == "h" and item.group == "SVC-PRO-INS":
            units.append((item.sku, "day", Decimal(8)))
        elif item.base_unit == "month" and item.active:
            units.append((item.sku, "year", Decimal(12)))
    return Catalog(items, costs, units)


def group_rows() -> list[Row]:
    return [(code, name, parent, "true") for code, name, parent in GROUPS]


def item_rows(catalog: Catalog) -> list[Row]:
    return [
        (
            i.sku,
            i.name,
            i.description,
            i.base_unit,
            i.group,
            i.brand,
            text(catalog.costs[i.sku]),
            "EUR",
            text(i.active),
        )
        for i in catalog.items
    ]


def unit_rows(catalog: Catalog) -> list[Row]:
    return [(sku, unit, text(factor)) for sku, unit, factor in catalog.units]


def price_list_rows() -> list[Row]:
    return [
        ("STD-EUR", "Standard price list EUR", "EUR", "standard", "2026-01-01", "", "true"),
        ("STD-USD", "Standard price list USD", "USD", "standard", "2026-01-01", "", "true"),
        ("STD-GBP", "Standard price list GBP", "GBP", "standard", "2026-01-01", "", "true"),
        (
            CONTRACT_EUR,
            "Nordhafen Port Authority framework contract 2026",
            "EUR",
            "contract",
            "2026-01-01",
            "2026-12-31",
            "true",
        ),
        (
            CONTRACT_USD,
            "Great Lakes Water District contract 2026",
            "USD",
            "contract",
            "2026-02-01",
            "2027-01-31",
            "true",
        ),
        (PARTNER, "Partner net prices EUR", "EUR", "partner", "2026-01-01", "", "true"),
    ]


@dataclass(frozen=True, slots=True)
class Entry:
    price_list: str
    sku: str
    unit: str
    price: Decimal
    currency: str
    min_quantity: int = 0
    valid_from: str = ""
    valid_to: str = ""
    customer: str = ""

    def row(self) -> Row:
        return (
            self.price_list,
            self.sku,
            self.unit,
            str(self.min_quantity),
            self.valid_from,
            self.valid_to,
            self.customer,
            text(self.price),
            self.currency,
        )


def breaks(item: Item, unit: str) -> tuple[tuple[int, Decimal], ...]:
    """Price breaks (min quantity in ``unit``, multiplier) for cables and consumables."""
    if item.base_unit == "m" and unit == "m":
        return ((0, Decimal(1)), (100, Decimal("0.92")), (500, Decimal("0.85")))
    if item.group.startswith("CON-") and unit == item.base_unit:
        return ((0, Decimal(1)), (100, Decimal("0.9")))
    if unit in ("box", "reel"):
        return ((0, Decimal("0.88")), (10, Decimal("0.8")))
    if unit in ("dozen", "pack"):
        return ((0, Decimal("0.92")),)
    return ((0, Decimal(1)),)


def standard_entries(
    catalog: Catalog, rng: random.Random
) -> tuple[list[Entry], dict[str, Decimal]]:
    """Every active item on every standard list; returns the EUR base price of each SKU too."""
    base: dict[str, Decimal] = {}
    for item in catalog.items:
        if item.active:
            low, high = MARGINS[item.group.split("-")[0]]
            base[item.sku] = catalog.costs[item.sku] * percent(rng, low, high)
    sold_in: dict[str, list[tuple[str, Decimal]]] = {}
    for sku, unit, factor in catalog.units:
        if unit in ("box", "reel", "dozen", "pack"):
            sold_in.setdefault(sku, []).append((unit, factor))
    increases = [i.sku for i in catalog.items if i.active and i.group.startswith("HW-SENS")]
    increased = set(rng.sample(increases, 8))
    entries: list[Entry] = []
    for code, currency, factor in STANDARD_LISTS:
        for item in catalog.items:
            if not item.active:
                continue
            per_base = base[item.sku] * factor
            for unit, unit_factor in [(item.base_unit, Decimal(1)), *sold_in.get(item.sku, [])]:
                for min_quantity, multiplier in breaks(item, unit):
                    price = price_point(per_base * unit_factor * multiplier)
                    entry = Entry(code, item.sku, unit, price, currency, min_quantity)
                    if code == "STD-EUR" and item.sku in increased:
                        later = price_point(price * percent(rng, 104, 107))
                        entries.append(replace(entry, valid_to=PRICE_INCREASE_UNTIL))
                        entries.append(replace(entry, price=later, valid_from=PRICE_INCREASE_FROM))
                    else:
                        entries.append(entry)
    return entries, base


def negotiated_entries(
    catalog: Catalog, base: dict[str, Decimal], rng: random.Random
) -> list[Entry]:
    """Contract lists for a subset of items; the partner list for most hardware and consumables."""
    active = [i for i in catalog.items if i.active]
    hardware = [i for i in active if i.group.startswith(("HW-", "CON-"))]
    entries: list[Entry] = []
    for code, currency, factor, count in (
        (CONTRACT_EUR, "EUR", Decimal(1), 64),
        (CONTRACT_USD, "USD", USD_FACTOR, 48),
    ):
        chosen = sorted(rng.sample(range(len(active)), count))
        for n in chosen:
            item = active[n]
            price = price_point(base[item.sku] * factor * percent(rng, 80, 90))
            entries.append(Entry(code, item.sku, item.base_unit, price, currency))
    for item in hardware:
        if rng.random() < 0.85:
            price = price_point(base[item.sku] * percent(rng, 70, 78))
            entries.append(Entry(PARTNER, item.sku, item.base_unit, price, "EUR"))
    partner = [e for e in entries if e.price_list == PARTNER]
    for entry in sorted(rng.sample(partner, 6), key=lambda e: e.sku):
        price = price_point(base[entry.sku] * percent(rng, 64, 68))
        entries.append(replace(entry, price=price, customer="C-10017"))
    return entries


CUSTOMERS: tuple[Row, ...] = (
    ("C-10001", "Rheinwerk Chemie AG", "enterprise", "DACH", "EUR", ""),
    ("C-10002", "Nordhafen Port Authority", "public-sector", "DACH", "EUR", CONTRACT_EUR),
    ("C-10003", "Van Loon Food Processing B.V.", "mid-market", "Benelux", "EUR", ""),
    ("C-10004", "Scandia Timber Oy", "mid-market", "Nordics", "EUR", ""),
    ("C-10005", "Baltic Cold Storage AB", "smb", "Nordics", "EUR", ""),
    ("C-10006", "Aquitaine Eaux Services", "public-sector", "France", "EUR", ""),
    ("C-10007", "Lyon Pharma Fill SAS", "enterprise", "France", "EUR", ""),
    ("C-10008", "Tecnoplast Iberica S.L.", "mid-market", "Iberia", "EUR", ""),
    ("C-10009", "Ferrovia Padana S.p.A.", "enterprise", "Italy", "EUR", ""),
    ("C-10010", "Thames Valley Water plc", "enterprise", "UK & Ireland", "GBP", ""),
    ("C-10011", "Midlands Precision Castings Ltd", "smb", "UK & Ireland", "GBP", ""),
    ("C-10012", "Dublin City Buildings", "public-sector", "UK & Ireland", "EUR", ""),
    ("C-10013", "Great Lakes Water District", "public-sector", "US Central", "USD", CONTRACT_USD),
    ("C-10014", "Cascade Paper Mills Inc.", "enterprise", "US West", "USD", ""),
    ("C-10015", "Tidewater Logistics LLC", "mid-market", "US East", "USD", ""),
    ("C-10016", "Prairie Grain Cooperative", "smb", "US Central", "USD", ""),
    ("C-10017", "Alpen Automation GmbH", "mid-market", "DACH", "EUR", PARTNER),
    ("C-10018", "Benelux Industrial Integrators N.V.", "smb", "Benelux", "EUR", PARTNER),
    ("C-10019", "Nordic Systems Partner A/S", "smb", "Nordics", "EUR", PARTNER),
    ("C-10020", "Kent Controls Ltd", "smb", "UK & Ireland", "GBP", ""),
)


def customer_rows() -> list[Row]:
    return [(*customer, "true") for customer in CUSTOMERS]


def rate_rows(rng: random.Random) -> list[Row]:
    six, ten = Decimal("0.000001"), Decimal("0.0000000001")
    eur_usd, eur_gbp = Decimal("1.0850"), Decimal("0.8420")
    rows: list[Row] = []
    for month in range(1, 7):
        day = f"2026-{month:02d}-01"
        eur_usd = (eur_usd * percent(rng, 9850, 10150) / 100).quantize(six)
        eur_gbp = (eur_gbp * percent(rng, 9900, 10100) / 100).quantize(six)
        usd_gbp = (eur_gbp / eur_usd).quantize(ten)
        for pair, rate in (
            (("EUR", "USD"), eur_usd),
            (("EUR", "GBP"), eur_gbp),
            (("USD", "EUR"), (1 / eur_usd).quantize(ten)),
            (("GBP", "EUR"), (1 / eur_gbp).quantize(ten)),
            (("USD", "GBP"), usd_gbp),
            (("GBP", "USD"), (eur_usd / eur_gbp).quantize(ten)),
        ):
            rows.append((*pair, day, text(rate)))
    return rows


def build(rng: random.Random) -> dict[str, list[Row]]:
    catalog = build_catalog(rng)
    standard, base = standard_entries(catalog, rng)
    entries = standard + negotiated_entries(catalog, base, rng)
    return {
        "product_groups": group_rows(),
        "items": item_rows(catalog),
        "item_units": unit_rows(catalog),
        "price_lists": price_list_rows(),
        "price_list_entries": [e.row() for e in entries],
        "customers": customer_rows(),
        "exchange_rates": rate_rows(rng),
    }


def write(tables: dict[str, list[Row]], output: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with (output / f"{name}.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(HEADERS[name])
            writer.writerows(rows)


def main(argv: Sequence[str]) -> None:
    output = Path(argv[0]) if argv else DEFAULT_OUTPUT
    write(build(random.Random(SEED)), output)


if __name__ == "__main__":
    main(sys.argv[1:])
